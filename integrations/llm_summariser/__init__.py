"""Summaries from any OpenAI-compatible chat endpoint, through langchain, with a fallback."""

from integrations.llm_summariser.client import EndpointConfig, LlmError, StructuredChat
from integrations.llm_summariser.summariser import LlmSummariser

__all__ = ["EndpointConfig", "LlmError", "LlmSummariser", "StructuredChat"]
