"""The one place configuration is read: environment variables prefixed ``CALLSIGHT_``."""

from __future__ import annotations

import enum
import zoneinfo
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.domain import ChannelMap
from agent.periods import KpiConfig

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
    asr_cpu_threads: int = Field(2, ge=0)
    asr_batch_size: int = Field(8, ge=1, description="1 disables batched inference.")
    asr_beam_size: int = Field(5, ge=1)
    channel_map: str = Field("agent,customer", description="Stereo speakers, left first.")

    max_upload_mb: float = Field(500.0, gt=0)
    runner_workers: int = Field(2, ge=1)
    crm_sync_mode: SyncMode = SyncMode.AUTO

    business_timezone: str = Field("UTC", description="IANA zone for KPI days, weeks, months.")
    repeat_window_days: float = Field(7.0, gt=0, description="KPI repeat-contact window.")
    after_call_work_s: float = Field(
        0.0, ge=0, description="After-call work added to AHT when a contact records none."
    )

    @field_validator("business_timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown timezone {value!r}; use an IANA name such as 'Europe/Berlin'"
            ) from error
        return value

    @field_validator("channel_map")
    @classmethod
    def _channel_map_parses(cls, value: str) -> str:
        ChannelMap.parse(value)
        return value

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'callsight.db').as_posix()}"
        return self

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @property
    def kpi_config(self) -> KpiConfig:
        return KpiConfig(
            timezone=self.business_timezone,
            repeat_window_s=round(self.repeat_window_days * 86400),
            after_call_work_s=self.after_call_work_s,
        )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def default_channel_map(self) -> ChannelMap:
        return ChannelMap.parse(self.channel_map)
