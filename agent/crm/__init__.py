"""CRM sync: the outbox, matching calls to CRM records, and the records a call writes."""
