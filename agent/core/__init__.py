"""Domain types, ports, tables, database, settings: what every other package builds on."""
