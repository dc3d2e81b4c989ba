"""The composition root: the one place that turns settings into adapters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from agent.db import make_engine
from agent.llm_cache import DbAnswerCache
from agent.pipeline import Pipeline
from agent.ports import Summariser
from agent.prompts import load_prompts
from agent.redaction import compile_patterns, redact
from agent.settings import BUNDLED_ASR_MODEL, Settings
from integrations.builtin_summariser import BuiltinSummariser
from integrations.faster_whisper_asr import FasterWhisperTranscriber, bundled_model_path
from integrations.llm_summariser import EndpointConfig, LlmSummariser, StructuredChat
from integrations.local_crm import LocalCrm
from integrations.local_storage import LocalAudioStore


@dataclass
class Container:
    settings: Settings
    engine: Engine
    store: LocalAudioStore
    pipeline: Pipeline


def asr_model_location(settings: Settings) -> str:
    if settings.asr_model == BUNDLED_ASR_MODEL:
        return str(bundled_model_path())
    return settings.asr_model


def build_transcriber(settings: Settings) -> FasterWhisperTranscriber:
    return FasterWhisperTranscriber(
        model=asr_model_location(settings),
        device=settings.asr_device,
        compute_type=settings.asr_compute_type,
        cpu_threads=settings.asr_cpu_threads,
        batch_size=settings.asr_batch_size,
        beam_size=settings.asr_beam_size,
    )


def build_summariser(settings: Settings, engine: Engine) -> Summariser:
    """The LLM summariser when an endpoint is configured, else the built-in one."""
    builtin = BuiltinSummariser()
    if not settings.llm_configured:
        return builtin
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    endpoint = EndpointConfig(
        base_url=settings.llm_base_url or None,
        model=settings.llm_model,
        api_key=key,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        method=settings.llm_structured_output,
    )
    patterns = compile_patterns(settings.redact_patterns)

    def redactor(text: str) -> tuple[str, dict[str, int]]:
        found = redact(text, patterns)
        return found.text, found.counts

    language = None if settings.summary_language == "auto" else settings.summary_language
    return LlmSummariser(
        chat=StructuredChat(endpoint),
        templates=load_prompts(),
        fallback=builtin,
        redactor=redactor,
        cache=DbAnswerCache(engine) if settings.llm_cache else None,
        prices=settings.llm_prices,
        max_input_tokens=settings.llm_max_input_tokens,
        output_language=language,
    )


def build_container(settings: Settings) -> Container:
    engine = make_engine(settings.database_url)
    store = LocalAudioStore(settings.audio_dir)
    pipeline = Pipeline(
        engine=engine,
        store=store,
        transcriber=build_transcriber(settings),
        summariser=build_summariser(settings, engine),
        crm=LocalCrm(engine),
        sync_mode=settings.crm_sync_mode,
    )
    return Container(settings=settings, engine=engine, store=store, pipeline=pipeline)
