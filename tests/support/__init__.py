"""Helpers the tests share: factories, loopback peers (Salesforce, OpenAI, HTTP), audio, servers."""
