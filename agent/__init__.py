"""The domain, in packages by domain; it imports neither ``integrations`` nor ``api``.

- ``core``: domain types, ports, tables, database, settings, errors, the call state machine.
- ``calls``: a call as people work with it: intake checks, the service, edits, exports, views.
- ``processing``: the pipeline's stages, the runner, speaker roles, conversation metrics,
  prompts, redaction and the model-answer cache.
- ``crm``: the outbox and what a call writes to the CRM.
- ``kpis``: cases, contacts, surveys, history import and the service KPI queries.
- ``webhooks``: inbound CRM events, outbound deliveries, signatures.
- ``auth``: API keys, roles, browser sessions.
"""
