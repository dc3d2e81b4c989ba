"""The ``callsight`` command line."""
