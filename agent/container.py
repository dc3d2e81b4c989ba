"""The composition root: the one place that turns settings into adapters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from agent.db import make_engine
from agent.pipeline import Pipeline
from agent.settings import BUNDLED_ASR_MODEL, Settings
from integrations.builtin_summariser import BuiltinSummariser
from integrations.faster_whisper_asr import FasterWhisperTranscriber, bundled_model_path
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
        language=settings.asr_language,
        hotwords=settings.asr_hotwords,
        initial_prompt=settings.asr_initial_prompt,
        max_duration_s=settings.max_duration_s,
    )


def build_container(settings: Settings) -> Container:
    engine = make_engine(settings.database_url)
    store = LocalAudioStore(settings.audio_dir)
    pipeline = Pipeline(
        engine=engine,
        store=store,
        transcriber=build_transcriber(settings),
        summariser=BuiltinSummariser(),
        crm=LocalCrm(engine),
        sync_mode=settings.crm_sync_mode,
        company_name=settings.company_name,
        fallback_channel_map=settings.fallback_channel_map,
    )
    return Container(settings=settings, engine=engine, store=store, pipeline=pipeline)
