"""Service KPIs: cases and contacts, surveys, history import, the KPI queries and report."""
