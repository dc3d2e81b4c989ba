"""Webhooks: inbound CRM events, outbound deliveries to subscribers, and their signatures."""
