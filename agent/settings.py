"""The one place configuration is read: environment variables prefixed ``CALLSIGHT_``."""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.domain import ChannelMap, check_language, parse_channel_map

BUNDLED_ASR_MODEL = "bundled:tiny.en"


class SyncMode(enum.StrEnum):
    AUTO = "auto"
    AFTER_REVIEW = "after_review"


class Settings(BaseSettings):
    """Every knob of the service; defaults give the embedded setup on a fresh machine."""

    model_config = SettingsConfigDict(env_prefix="CALLSIGHT_", env_file=".env", extra="ignore")

    environment: str = Field("development", description="development | production")
    data_dir: Path = Field(Path("data"), description="Folder for the SQLite file and audio.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in data_dir.")

    asr_model: str = Field(BUNDLED_ASR_MODEL, description="faster-whisper model name or path.")
    asr_device: str = "cpu"
    asr_compute_type: str = "int8"
    asr_cpu_threads: int = Field(0, ge=0, description="0: every core this process may use.")
    asr_batch_size: int = Field(8, ge=1, description="1 disables batched inference.")
    asr_beam_size: int = Field(5, ge=1)
    asr_language: str | None = Field(None, description="Force a language; empty: detect it.")
    asr_hotwords: str | None = Field(None, description="Names the recogniser should expect.")
    asr_initial_prompt: str | None = Field(None, description="Text that primes the recogniser.")
    channel_map: str = Field(
        "agent,customer", description="Stereo speakers, left first, or 'auto' to infer them."
    )
    company_name: str | None = Field(None, description="Helps tell the agent's side apart.")

    max_upload_mb: float = Field(500.0, gt=0)
    max_duration_min: float = Field(240.0, gt=0, description="Longest recording transcribed.")
    runner_workers: int = Field(2, ge=1)
    crm_sync_mode: SyncMode = SyncMode.AUTO

    @field_validator("channel_map")
    @classmethod
    def _channel_map_parses(cls, value: str) -> str:
        return parse_channel_map(value)

    @field_validator("asr_language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        return check_language(value) if value else None

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'callsight.db').as_posix()}"
        return self

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def default_channel_map(self) -> str:
        """The global channel map: ``auto`` or speakers left first, e.g. ``agent,customer``."""
        return self.channel_map

    @property
    def max_duration_s(self) -> float:
        return self.max_duration_min * 60

    @property
    def fallback_channel_map(self) -> ChannelMap:
        """The map used while roles are inferred, and kept when nothing is said either way."""
        if self.channel_map == "auto":
            return ChannelMap()
        return ChannelMap.parse(self.channel_map)
