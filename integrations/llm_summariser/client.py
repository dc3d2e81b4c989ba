"""One structured request to an OpenAI-compatible chat endpoint, through langchain.

langchain and openai take about a second to import, so they load when the first client is built,
not when this module is imported: a service without an LLM never loads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr, ValidationError

from integrations.llm_summariser.schema import CallSummaryOut

if TYPE_CHECKING:
    import openai
    from langchain_core.messages import AIMessage, BaseMessage

StructuredMethod = Literal["json_schema", "function_calling"]


def _invalid_answer() -> tuple[type[Exception], ...]:
    """What langchain raises for an answer that is there but unusable (worth asking again)."""
    from langchain_core.exceptions import OutputParserException
    from langchain_openai.chat_models.base import OpenAIRefusalError

    return (
        ValidationError,
        OutputParserException,
        OpenAIRefusalError,
        json.JSONDecodeError,
        ValueError,
    )


class LlmError(Exception):
    """The model gave no usable answer; the message says why, for the summary's record."""


@dataclass
class Usage:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def add(self, message: AIMessage | None) -> None:
        self.calls += 1
        metadata = message.usage_metadata if message is not None else None
        if metadata:
            self.input_tokens += metadata.get("input_tokens", 0)
            self.output_tokens += metadata.get("output_tokens", 0)


@dataclass(frozen=True)
class EndpointConfig:
    """Where and how to reach the model; ``max_retries`` covers timeouts, 429 and 5xx."""

    base_url: str | None
    model: str
    api_key: str | None
    timeout_s: float = 60.0
    max_retries: int = 3
    method: StructuredMethod = "json_schema"


class StructuredChat:
    """Asks for a ``CallSummaryOut``; a malformed or off-schema answer is asked for once more."""

    def __init__(self, config: EndpointConfig) -> None:
        from langchain_openai import ChatOpenAI

        self.config = config
        chat = ChatOpenAI(
            model=config.model,
            base_url=config.base_url or None,
            api_key=SecretStr(config.api_key or "not-needed"),
            timeout=config.timeout_s,
            max_retries=config.max_retries,
            temperature=0,
        )
        self._runnable = chat.with_structured_output(
            CallSummaryOut, method=config.method, include_raw=True
        )

    def ask(self, system: str, user: str, usage: Usage) -> CallSummaryOut:
        """The validated answer; raises LlmError after two bad answers or a transport failure."""
        import openai
        from langchain_core.messages import HumanMessage, SystemMessage

        messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(user)]
        invalid_answer = _invalid_answer()
        problem = ""
        for _ in range(2):
            try:
                result: dict[str, Any] = self._runnable.invoke(messages)
            except invalid_answer as error:
                usage.add(None)
                problem = _describe_invalid(error)
                continue
            except openai.APIError as error:
                raise LlmError(_describe_transport(error)) from error
            usage.add(result.get("raw"))
            parsed = result.get("parsed")
            if isinstance(parsed, CallSummaryOut) and result.get("parsing_error") is None:
                return parsed
            problem = _describe_unparsed(result)
        raise LlmError(f"the model's answer was unusable twice ({problem})")


def _describe_invalid(error: Exception) -> str:
    from langchain_openai.chat_models.base import OpenAIRefusalError

    if isinstance(error, OpenAIRefusalError):
        return f"refused: {str(error)[:200]}"
    if isinstance(error, ValidationError):
        return f"schema violation: {error.error_count()} error(s), first {error.errors()[0]['msg']}"
    return f"malformed answer: {type(error).__name__}: {str(error)[:200]}"


def _describe_unparsed(result: dict[str, Any]) -> str:
    from langchain_core.messages import AIMessage

    error = result.get("parsing_error")
    if error is not None:
        return _describe_invalid(error)
    raw = result.get("raw")
    content = raw.content if isinstance(raw, AIMessage) else ""
    return f"no structured answer; the model said: {str(content)[:200]!r}"


def _describe_transport(error: openai.APIError) -> str:
    import openai

    if isinstance(error, openai.APITimeoutError):
        return "the model endpoint timed out (after retries)"
    if isinstance(error, openai.APIStatusError):
        return f"the model endpoint answered HTTP {error.status_code}: {str(error.message)[:200]}"
    return f"the model endpoint could not be reached: {type(error).__name__}"
