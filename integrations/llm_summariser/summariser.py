"""The LLM summariser: redact, render the prompt, ask (map-reduce when long), cache, fall back."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from agent.core.domain import CallContext, IssueTaxonomy, SummaryDraft, Utterance
from agent.core.ports import AnswerCache, Summariser
from agent.processing.prompts import PromptTemplate
from integrations.llm_summariser.client import LlmError, StructuredChat, Usage
from integrations.llm_summariser.convert import Provenance, to_draft
from integrations.llm_summariser.schema import CallSummaryOut
from integrations.llm_summariser.transcript import (
    Redactor,
    RenderedTranscript,
    chunks,
    estimate_tokens,
    render,
)

log = logging.getLogger(__name__)

SUMMARY, REDUCE = "summary", "summary_reduce"
Prices = Mapping[str, tuple[float, float]]
"""USD per million input and output tokens, by model name."""

ANSWER_RESERVE_TOKENS = 4_096
# The budget counts estimated tokens; a real tokenizer may count a tenth more on odd text.
_ESTIMATE_MARGIN = 0.9

_LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "de": "German", "fr": "French", "es": "Spanish"}
_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ja": ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日"),
}
# The uploader's word on the conversation's type, which the model must keep.
_CONVERSATION_HINTS = {
    "en": "The uploader says this is a {kind} conversation.",
    "ja": "アップロードした人によると、この通話は {kind} です。",
}
_PARTS = {
    "en": "This is part {k} of {n} of the call.",
    "ja": "これは通話の{n}分割中の{k}番目です。",
}


class LlmSummariser:
    """A ``Summariser`` backed by any OpenAI-compatible chat endpoint.

    Args:
        chat: The structured-output client for one endpoint and model.
        templates: Prompt templates by (name, language); English ones are required.
        fallback: The engine that runs when the model gives no usable answer.
        redactor: Replaces personal data in each utterance before anything is sent.
        cache: Earlier answers by (transcript hash, prompt version, model); None disables it.
        prices: Per-model prices for the cost estimate; unknown models cost 0 (and say so).
        context_window: Tokens the model takes per request, prompt and answer together.
        max_input_tokens: Transcript budget per request (longer calls are map-reduced); None:
            what the context window leaves after the prompt and room for the answer.
        output_language: Summary language; None follows the call's language.
        taxonomy: The issue categories a support call is put in; None: the model names one.
    """

    def __init__(
        self,
        chat: StructuredChat,
        templates: Mapping[tuple[str, str], PromptTemplate],
        fallback: Summariser,
        redactor: Redactor,
        cache: AnswerCache | None = None,
        prices: Prices | None = None,
        context_window: int = 128_000,
        max_input_tokens: int | None = None,
        output_language: str | None = None,
        taxonomy: IssueTaxonomy | None = None,
    ) -> None:
        for name in (SUMMARY, REDUCE):
            if (name, "en") not in templates:
                raise ValueError(f"the English {name!r} prompt template is missing")
        self._chat = chat
        self._templates = templates
        self._fallback = fallback
        self._redactor = redactor
        self._cache = cache
        self._prices = dict(prices or {})
        self._context_window = context_window
        self._max_input_tokens = max_input_tokens
        self._output_language = output_language
        self._taxonomy = taxonomy

    @property
    def model(self) -> str:
        return self._chat.config.model

    def summarise(self, utterances: Sequence[Utterance], context: CallContext) -> SummaryDraft:
        """A model-made summary, or the fallback's marked with why the model's was not used."""
        if not any(u.text.strip() for u in utterances):
            return self._fallback.summarise(utterances, context)
        language = _primary(self._output_language or context.language)
        template_language = language if (SUMMARY, language) in self._templates else "en"
        template = self._templates[(SUMMARY, template_language)]
        transcript = render(utterances, self._redactor)
        key = self._key(transcript, context, language, template)
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is not None:
            return self._from_cache(cached, transcript, utterances, context, (language, template))
        return self._ask(transcript, key, utterances, context, language, template_language)

    def _ask(
        self,
        transcript: RenderedTranscript,
        key: str,
        utterances: Sequence[Utterance],
        context: CallContext,
        language: str,
        template_language: str,
    ) -> SummaryDraft:
        usage = Usage()
        values = {
            **_values(context, language, template_language),
            "issue_categories": _categories(self._taxonomy),
        }
        template = self._templates[(SUMMARY, template_language)]
        parts = chunks(transcript, self._budget(template, values))
        prompt_version = template.id
        try:
            answer = self._map_reduce(parts, values, template_language, usage)
        except LlmError as error:
            log.warning("LLM summary failed, using the built-in engine: %s", error)
            return self._fell_back(utterances, context, transcript, usage, str(error))
        extra = _extra(transcript, usage, len(parts), cache_hit=False)
        payload = {"answer": answer.model_dump(mode="json"), **extra}
        if self._cache is not None:
            self._cache.put(key, self.model, prompt_version, payload)
        made = self._provenance(prompt_version, language, usage, transcript.text, extra)
        return to_draft(answer, utterances, context, made, self._taxonomy)

    def _budget(self, template: PromptTemplate, values: dict[str, str]) -> int:
        """Transcript tokens one request may carry."""
        if self._max_input_tokens is not None:
            return self._max_input_tokens
        system, user = template.render({**values, "part": "", "transcript": ""})
        room = (self._context_window - ANSWER_RESERVE_TOKENS) * _ESTIMATE_MARGIN
        return max(500, int(room) - estimate_tokens(system) - estimate_tokens(user))

    def _map_reduce(
        self, pieces: list[str], values: dict[str, str], language: str, usage: Usage
    ) -> CallSummaryOut:
        template = self._templates[(SUMMARY, language)]
        parts = []
        for k, chunk in enumerate(pieces, start=1):
            part = "" if len(pieces) == 1 else _PARTS[language].format(k=k, n=len(pieces))
            system, user = template.render({**values, "part": part, "transcript": chunk})
            parts.append(self._chat.ask(system, user, usage))
        if len(parts) == 1:
            return parts[0]
        reduce = self._templates.get((REDUCE, language)) or self._templates[(REDUCE, "en")]
        partials = "\n".join(
            json.dumps(p.model_dump(mode="json"), ensure_ascii=False) for p in parts
        )
        system, user = reduce.render({**values, "partials": partials})
        return self._chat.ask(system, user, usage)

    def _from_cache(
        self,
        cached: dict[str, Any],
        transcript: RenderedTranscript,
        utterances: Sequence[Utterance],
        context: CallContext,
        prompt: tuple[str, PromptTemplate],
    ) -> SummaryDraft:
        # Nothing is sent now, but the answer was made from exactly these lines.
        language, template = prompt
        answer = CallSummaryOut.model_validate(cached["answer"])
        extra = {key: value for key, value in cached.items() if key != "answer"}
        extra["cache_hit"] = True
        made = Provenance(self.model, template.id, language, 0, 0, 0.0, transcript.text, extra)
        return to_draft(answer, utterances, context, made, self._taxonomy)

    def _fell_back(
        self,
        utterances: Sequence[Utterance],
        context: CallContext,
        transcript: RenderedTranscript,
        usage: Usage,
        reason: str,
    ) -> SummaryDraft:
        draft = self._fallback.summarise(utterances, context)
        extra = {
            **draft.extra,
            **_extra(transcript, usage, None, cache_hit=False),
            "fallback_reason": reason,
            "llm_model": self.model,
        }
        return dataclasses.replace(
            draft,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=self._cost(usage),
            llm_input=transcript.text if usage.calls else None,
            extra=extra,
        )

    def _provenance(
        self, prompt_version: str, language: str, usage: Usage, sent: str, extra: dict[str, object]
    ) -> Provenance:
        return Provenance(
            model=self.model,
            prompt_version=prompt_version,
            language=language,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=self._cost(usage),
            llm_input=sent,
            extra={**extra, "cost_known": self.model in self._prices},
        )

    def _cost(self, usage: Usage) -> float:
        per_input, per_output = self._prices.get(self.model, (0.0, 0.0))
        cost = usage.input_tokens * per_input + usage.output_tokens * per_output
        return round(cost / 1_000_000, 6)

    def _key(
        self,
        transcript: RenderedTranscript,
        context: CallContext,
        language: str,
        template: PromptTemplate,
    ) -> str:
        kind = context.conversation_type
        facts = [
            transcript.text,
            context.call_date.isoformat(),
            context.direction.value,
            language,
            *([kind.value] if kind else []),
            *_categories(self._taxonomy).splitlines(),
        ]
        transcript_hash = hashlib.sha256(json.dumps(facts).encode()).hexdigest()
        return hashlib.sha256(f"{transcript_hash}|{template.id}|{self.model}".encode()).hexdigest()


def _primary(language: str) -> str:
    return language.strip().lower().replace("_", "-").split("-")[0] or "en"


def _values(context: CallContext, language: str, template_language: str) -> dict[str, str]:
    weekdays = _WEEKDAYS.get(template_language, _WEEKDAYS["en"])
    return {
        "call_date": context.call_date.isoformat(),
        "call_weekday": weekdays[context.call_date.weekday()],
        "direction": context.direction.value,
        "output_language": _LANGUAGE_NAMES.get(language, language),
        "conversation_hint": _conversation_hint(context, template_language),
    }


def _categories(taxonomy: IssueTaxonomy | None) -> str:
    """One line per category: its name and description.

    The example phrases are left out: they are keywords for the built-in engine, and a model
    reads the description well enough, and they would double the categories' tokens.
    """
    if taxonomy is None:
        return '- any short label, such as "billing", "connectivity" or "delivery"'
    lines = [f"- {category.name}: {category.description}" for category in taxonomy.categories]
    return "\n".join([*lines, f"- {taxonomy.fallback}: none of the above"])


def _conversation_hint(context: CallContext, template_language: str) -> str:
    if context.conversation_type is None:
        return ""
    hint = _CONVERSATION_HINTS.get(template_language, _CONVERSATION_HINTS["en"])
    return hint.format(kind=context.conversation_type.value)


def _extra(
    transcript: RenderedTranscript, usage: Usage, parts: int | None, cache_hit: bool
) -> dict[str, object]:
    extra: dict[str, object] = {
        "llm_calls": usage.calls,
        "redactions": dict(transcript.redactions),
        "cache_hit": cache_hit,
    }
    if parts is not None:
        extra["chunks"] = parts
    return extra
