"""The one place configuration is read: environment variables prefixed ``CALLSIGHT_``."""

from __future__ import annotations

import enum
import re
import zoneinfo
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.core.domain import (
    ChannelMap,
    KpiConfig,
    check_language,
    health_weights,
    parse_channel_map,
)
from agent.core.patterns import compile_patterns

BUNDLED_ASR_MODEL = "bundled:tiny.en"
BUNDLED_MULTILINGUAL_MODEL = "bundled:base"
DEFAULT_LLM_PRICES: dict[str, tuple[float, float]] = {
    # USD per million input / output tokens, as published by OpenAI (2025).
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-nano": (0.10, 0.40),
}


class SyncMode(enum.StrEnum):
    AUTO = "auto"
    AFTER_REVIEW = "after_review"


class CrmKind(enum.StrEnum):
    LOCAL = "local"
    SALESFORCE = "salesforce"


class SalesforceAuthFlow(enum.StrEnum):
    CLIENT_CREDENTIALS = "client_credentials"
    JWT = "jwt"
    PASSWORD = "password"


SALESFORCE_REQUIRED = {
    SalesforceAuthFlow.CLIENT_CREDENTIALS: ("salesforce_client_id", "salesforce_client_secret"),
    SalesforceAuthFlow.JWT: (
        "salesforce_client_id",
        "salesforce_username",
        "salesforce_private_key_file",
    ),
    SalesforceAuthFlow.PASSWORD: (
        "salesforce_client_id",
        "salesforce_client_secret",
        "salesforce_username",
        "salesforce_password",
    ),
}


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class Settings(BaseSettings):
    """Every knob of the service; defaults give the embedded setup on a fresh machine."""

    model_config = SettingsConfigDict(env_prefix="CALLSIGHT_", env_file=".env", extra="ignore")

    environment: str = Field("development", description="development | production")
    data_dir: Path = Field(Path("data"), description="Folder for the SQLite file and audio.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in data_dir.")

    storage_url: str = Field(
        "", description="Where audio is kept: empty for data_dir/audio, or s3://bucket/prefix."
    )
    storage_endpoint_url: str = Field("", description="S3-compatible endpoint; empty: AWS.")
    storage_region: str = Field("", description="The bucket's region; empty: boto3's default.")
    storage_access_key_id: str = Field("", description="Empty: boto3's own credential chain.")
    storage_secret_access_key: SecretStr = SecretStr("")

    asr_model: str = Field(BUNDLED_ASR_MODEL, description="faster-whisper model name or path.")
    asr_multilingual_model: str = Field(
        BUNDLED_MULTILINGUAL_MODEL,
        description="Model for calls not in English and for detecting the language, when "
        "asr_model is English-only; empty: every call is heard as English.",
    )
    asr_cache_dir: Path | None = Field(
        None, description="Where bundled models are assembled; empty: data_dir/models."
    )
    asr_device: str = "cpu"
    asr_compute_type: str = "int8"
    asr_cpu_threads: int = Field(0, ge=0, description="0: every core this process may use.")
    asr_batch_size: int = Field(8, ge=1, description="1 disables batched inference.")
    asr_beam_size: int = Field(2, ge=1)
    asr_language: str | None = Field(None, description="Force a language; empty: detect it.")
    asr_hotwords: str | None = Field(None, description="Names the recogniser should expect.")
    asr_initial_prompt: str | None = Field(None, description="Text that primes the recogniser.")
    channel_map: str = Field(
        "agent,customer", description="Stereo speakers, left first, or 'auto' to infer them."
    )
    company_name: str | None = Field(None, description="Helps tell the agent's side apart.")

    max_upload_mb: float = Field(500.0, gt=0)
    max_duration_min: float = Field(240.0, gt=0, description="Longest recording transcribed.")
    runner_workers: int = Field(2, ge=1, description="Threads of the embedded runner.")
    broker_url: str = Field(
        "", description="Celery broker, e.g. redis://host:6379/0; empty: the embedded runner."
    )
    lease_ttl_s: float = Field(
        60.0, ge=5, description="A worker's hold on a call lapses this long after its last renewal."
    )
    sweep_interval_s: float = Field(15.0, gt=0, description="How often stuck calls are looked for.")
    stuck_after_s: float = Field(
        120.0,
        gt=0,
        description="An unheld call waiting this long, with no message queued, is sent again.",
    )
    asr_time_limit_s: float = Field(
        7200.0, gt=0, description="Longest a speech recognition task may run before it is stopped."
    )
    io_time_limit_s: float = Field(
        900.0, gt=0, description="Longest an LLM, CRM or webhook task may run before it is stopped."
    )
    task_max_retries: int = Field(
        8, ge=0, description="Retries with backoff of a task that met a transient error."
    )
    crm_sync_mode: SyncMode = SyncMode.AUTO

    llm_base_url: str = Field("", description="OpenAI-compatible endpoint; empty: OpenAI's.")
    llm_api_key: SecretStr | None = Field(None, description="Key for the endpoint.")
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(3, ge=0, description="Retries on timeouts, 429 and 5xx.")
    llm_structured_output: Literal["json_schema", "function_calling"] = "json_schema"
    llm_context_window: int = Field(
        128_000, ge=8_000, description="Tokens the model takes per request, prompt and answer."
    )
    llm_max_input_tokens: int | None = Field(
        None, ge=500, description="Transcript tokens per request; unset: from the context window."
    )
    llm_prices: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: dict(DEFAULT_LLM_PRICES),
        description="USD per million input/output tokens by model, for the cost estimate.",
    )
    llm_cache: bool = True
    summary_language: str = Field("auto", description="'auto' follows the call's language.")
    issue_taxonomy: Path | None = Field(
        None, description="YAML or JSON file of issue categories; none: the shipped default."
    )
    redact_patterns: list[str] = Field(
        default_factory=list, description="Extra regexes redacted before text reaches the LLM."
    )

    crm: CrmKind = Field(CrmKind.LOCAL, description="local (embedded) or salesforce")
    crm_retry_base_s: float = Field(2.0, gt=0, description="First retry delay; doubles each time.")
    crm_retry_cap_s: float = Field(900.0, gt=0)
    crm_retry_max_attempts: int = Field(10, ge=1)
    outbox_poll_s: float = Field(2.0, gt=0, description="How often due retries are looked for.")
    crm_batch_records: int = Field(
        200, ge=1, description="Waiting CRM records that are sent at once, without the window."
    )
    crm_batch_window_s: float = Field(
        10.0,
        ge=0,
        description="Salesforce: longest a finished call waits for others to share its requests.",
    )

    salesforce_login_url: str = "https://login.salesforce.com"
    salesforce_auth: SalesforceAuthFlow = SalesforceAuthFlow.CLIENT_CREDENTIALS
    salesforce_client_id: str = ""
    salesforce_client_secret: SecretStr = SecretStr("")
    salesforce_username: str = ""
    salesforce_password: SecretStr = SecretStr("")
    salesforce_security_token: SecretStr = SecretStr("")
    salesforce_private_key_file: Path | None = None
    salesforce_jwt_audience: str = "https://login.salesforce.com"
    salesforce_api_version: str = "60.0"
    salesforce_external_id_field: str = "Callsight_Id__c"
    salesforce_timeout_s: float = Field(30.0, gt=0)
    salesforce_lookup_ttl_s: float = Field(
        300.0, ge=0, description="How long Contacts, Cases and Users looked up are kept; 0: never."
    )
    salesforce_describe_ttl_s: float = Field(
        3600.0, ge=0, description="How long each object's describe (its fields) is kept; 0: never."
    )
    salesforce_limits_recheck_s: float = Field(
        300.0, gt=0, description="At the API reserve, how often one request reads the usage again."
    )
    salesforce_api_reserve: str = Field(
        "5%", description="Of the org's daily API limit, left to others: a percentage or a number."
    )
    salesforce_ca_bundle: Path | None = Field(None, description="Extra CA bundle for TLS.")
    salesforce_outbound_token: SecretStr = Field(
        SecretStr(""), description="Token Salesforce Outbound Messages must carry (?token=)."
    )
    salesforce_org_id: str = Field("", description="Accept Outbound Messages from this org only.")
    salesforce_customer_since_field: str = Field(
        "Callsight_Customer_Since__c", description="Account date field: customer since."
    )
    salesforce_churned_at_field: str = Field(
        "Callsight_Churned_At__c", description="Account date field: churned at."
    )
    salesforce_health_score_field: str = Field(
        "Callsight_Health_Score__c", description="Account number field the health score goes to."
    )
    salesforce_risk_reason_field: str = Field(
        "Callsight_Risk_Reason__c", description="Account text field the risk reason goes to."
    )
    salesforce_currency: str = Field(
        "USD", description="The org's currency, for Opportunity amounts without CurrencyIsoCode."
    )
    engagement_sync_s: float = Field(
        3600.0,
        gt=0,
        description="With Salesforce, how often lifecycle and revenue are read and "
        "health written back.",
    )

    webhook_secrets: SecretStr = Field(
        SecretStr(""), description="Comma-separated secrets for inbound webhook signatures."
    )
    webhook_tolerance_s: int = Field(300, ge=1)
    recording_allowed_hosts: str = Field("", description="Hosts recordings may be fetched from.")
    recording_allowed_private_hosts: str = Field(
        "", description="Hosts allowed even on private or loopback addresses."
    )
    recording_fetch_timeout_s: float = Field(60.0, gt=0)
    outbound_webhook_timeout_s: float = Field(10.0, gt=0)
    outbound_webhook_max_attempts: int = Field(8, ge=1)
    outbound_webhook_retry_base_s: float = Field(5.0, gt=0)
    outbound_webhook_allow_private: bool = Field(
        False, description="Let subscriptions target private or loopback addresses."
    )
    rate_limit_storage_url: str = Field(
        "",
        description="Where throttling counts live: memory://, or redis://...; empty: the broker's "
        "Redis when CALLSIGHT_BROKER_URL is set, else this process's memory.",
    )
    auth_failures_per_address: str = Field(
        "30 per 15 minutes", description="Failed API key checks a client address may make."
    )
    auth_failures_per_key: str = Field(
        "100 per 15 minutes", description="Failed checks naming one key prefix, from anywhere."
    )
    uploads_per_key_per_hour: int = Field(600, ge=1, description="Uploads one API key may make.")
    audit_retention_days: int = Field(365, ge=1, description="How long audit records are kept.")
    metrics_token: SecretStr = Field(
        SecretStr(""), description="When set, /metrics needs 'Authorization: Bearer <token>'."
    )

    business_timezone: str = Field("UTC", description="IANA zone for KPI days, weeks, months.")
    repeat_window_days: float = Field(7.0, gt=0, description="KPI repeat-contact window.")
    after_call_work_s: float = Field(
        0.0, ge=0, description="After-call work added to AHT when a contact records none."
    )
    health_weights: dict[str, float] = Field(
        default_factory=dict,
        description="Health score weights by component, JSON (e.g. '{\"surveys\": 0}'); "
        "the others keep their defaults.",
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

    @field_validator("health_weights")
    @classmethod
    def _known_health_components(cls, value: dict[str, float]) -> dict[str, float]:
        return health_weights(value)

    @field_validator("broker_url")
    @classmethod
    def _redis_broker(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://")):
            raise ValueError(
                "CALLSIGHT_BROKER_URL must be a Redis URL such as redis://host:6379/0, "
                f"not {value!r}"
            )
        return value

    @field_validator("auth_failures_per_address", "auth_failures_per_key")
    @classmethod
    def _rate_readable(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as error:
            raise ValueError(
                f"{value!r} is not a rate such as '30 per 15 minutes' or '100/hour'"
            ) from error
        return value

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _rate_storage_known(cls, value: str) -> str:
        if value and not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError(
                "CALLSIGHT_RATE_LIMIT_STORAGE_URL must be memory:// or a Redis URL such as "
                f"redis://host:6379/1, not {value!r}"
            )
        return value

    @field_validator("channel_map")
    @classmethod
    def _channel_map_parses(cls, value: str) -> str:
        return parse_channel_map(value)

    @field_validator("asr_language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        return check_language(value) if value else None

    @field_validator("redact_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        compile_patterns(value)
        return value

    @field_validator("salesforce_api_reserve")
    @classmethod
    def _reserve_readable(cls, value: str) -> str:
        given = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*|\s*\d+\s*", value)
        if given is None or (given[1] is not None and float(given[1]) >= 100):
            raise ValueError(
                f"CALLSIGHT_SALESFORCE_API_RESERVE {value!r} is neither a percentage below 100 "
                "(5%) nor a number of requests (2000)"
            )
        return value

    @field_validator(
        "salesforce_customer_since_field",
        "salesforce_churned_at_field",
        "salesforce_health_score_field",
        "salesforce_risk_reason_field",
    )
    @classmethod
    def _salesforce_field_name(cls, value: str, info: ValidationInfo) -> str:
        # Salesforce's rule for API names; anything else could never name a field, and the name
        # goes into SOQL text.
        if not re.fullmatch(r"[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)(?:__c)?", value):
            raise ValueError(
                f"CALLSIGHT_{(info.field_name or '').upper()} {value!r} is not a Salesforce field "
                "API name (letters, digits and single underscores, starting with a letter, "
                "custom fields ending in __c, e.g. Callsight_Health_Score__c)"
            )
        return value

    @field_validator("salesforce_currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{3}", value):
            raise ValueError(
                f"CALLSIGHT_SALESFORCE_CURRENCY {value!r} is not an ISO 4217 code (USD, EUR, JPY)"
            )
        return value.upper()

    @field_validator("storage_url")
    @classmethod
    def _storage_url_known(cls, value: str) -> str:
        url = urlsplit(value)
        if value and (url.scheme != "s3" or not url.netloc):
            raise ValueError(
                f"CALLSIGHT_STORAGE_URL {value!r} is not supported: leave it empty for the local "
                "folder data_dir/audio, or give s3://bucket or s3://bucket/prefix"
            )
        return value

    @model_validator(mode="after")
    def _salesforce_complete(self) -> Settings:
        if self.crm != CrmKind.SALESFORCE:
            return self
        missing = [
            f"CALLSIGHT_{name.upper()}"
            for name in SALESFORCE_REQUIRED[self.salesforce_auth]
            if not _given(getattr(self, name))
        ]
        if missing:
            raise ValueError(
                f"CALLSIGHT_CRM=salesforce with the {self.salesforce_auth.value} login needs "
                f"{', '.join(missing)}"
            )
        return self

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'callsight.db').as_posix()}"
        return self

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @property
    def models_dir(self) -> Path:
        return self.asr_cache_dir or self.data_dir / "models"

    @property
    def inbound_webhook_secrets(self) -> list[str]:
        return _csv(self.webhook_secrets.get_secret_value())

    @property
    def recording_hosts(self) -> list[str]:
        return _csv(self.recording_allowed_hosts)

    @property
    def recording_private_hosts(self) -> list[str]:
        return _csv(self.recording_allowed_private_hosts)

    @property
    def rate_limit_storage(self) -> str:
        """Where throttling counts live: shared through Redis whenever several processes serve."""
        return self.rate_limit_storage_url or self.broker_url or "memory://"

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

    @property
    def llm_configured(self) -> bool:
        """An endpoint or a key was given; without either the built-in summariser runs."""
        return bool(self.llm_base_url or self.llm_api_key)


def _given(value: object) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)
