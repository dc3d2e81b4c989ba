"""The composition root: the one place that turns settings into adapters.

Each adapter module is imported inside the builder that needs it, so a process loads only the
libraries its settings use (no openai or langchain without an LLM, no simple-salesforce without
Salesforce), and the ``callsight`` command starts without loading any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agent.auth.throttle import Throttle, ThrottlePolicy
from agent.core.db import make_engine
from agent.core.domain import IssueTaxonomy
from agent.core.ports import AudioStore, Crm, RecordingFetcher, Summariser, Transcriber
from agent.core.settings import (
    BUNDLED_ASR_MODEL,
    BUNDLED_MULTILINGUAL_MODEL,
    CrmKind,
    SalesforceAuthFlow,
    Settings,
)
from agent.crm.sync import BatchPolicy, RetryPolicy
from agent.processing.leases import LeasePolicy
from agent.processing.pipeline import Pipeline
from agent.processing.taxonomy import load_taxonomy
from agent.webhooks.outbound import WebhookDeliveries

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from agent.engagement.crm_sync import EngagementSync
    from api.metrics import QueueDepths
    from integrations.salesforce.auth import Authenticator
    from integrations.salesforce.connection import SalesforceConnection


@dataclass
class Container:
    settings: Settings
    engine: Engine
    store: AudioStore
    pipeline: Pipeline
    deliveries: WebhookDeliveries
    fetcher: RecordingFetcher
    throttle: Throttle
    queue_depths: QueueDepths | None = None
    engagement: EngagementSync | None = None


def asr_model_location(settings: Settings) -> str:
    from integrations.bundled_models import tiny_en_path

    if settings.asr_model == BUNDLED_ASR_MODEL:
        return str(tiny_en_path())
    return settings.asr_model


def multilingual_model_location(settings: Settings) -> Callable[[], str] | None:
    """Where the multilingual model is, found when first needed (assembling it takes a second)."""
    configured = settings.asr_multilingual_model
    if not configured:
        return None
    if configured != BUNDLED_MULTILINGUAL_MODEL:
        return lambda: configured

    def assemble() -> str:
        from integrations.bundled_models import assembled_model_path

        return str(assembled_model_path(settings.models_dir))

    return assemble


def build_transcriber(settings: Settings) -> Transcriber:
    from integrations.faster_whisper_asr import FasterWhisperTranscriber

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
        multilingual_model=multilingual_model_location(settings),
    )


def build_summariser(settings: Settings, engine: Engine) -> Summariser:
    """The LLM summariser when an endpoint is configured, else the built-in one."""
    from integrations.builtin_summariser import BuiltinSummariser

    taxonomy = load_taxonomy(settings.issue_taxonomy)
    builtin = BuiltinSummariser(taxonomy=taxonomy)
    if not settings.llm_configured:
        return builtin
    return build_llm_summariser(settings, engine, builtin, taxonomy)


def build_llm_summariser(
    settings: Settings, engine: Engine, fallback: Summariser, taxonomy: IssueTaxonomy
) -> Summariser:
    from agent.core.patterns import compile_patterns
    from agent.processing.llm_cache import DbAnswerCache
    from agent.processing.prompts import load_prompts
    from agent.processing.redaction import redact_lines
    from integrations.llm_summariser import EndpointConfig, LlmSummariser, StructuredChat

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

    def redactor(texts: Sequence[str]) -> tuple[list[str], dict[str, int]]:
        found = redact_lines(texts, patterns)
        return found.texts, found.counts

    language = None if settings.summary_language == "auto" else settings.summary_language
    return LlmSummariser(
        chat=StructuredChat(endpoint),
        templates=load_prompts(),
        fallback=fallback,
        redactor=redactor,
        cache=DbAnswerCache(engine) if settings.llm_cache else None,
        prices=settings.llm_prices,
        context_window=settings.llm_context_window,
        max_input_tokens=settings.llm_max_input_tokens,
        output_language=language,
        taxonomy=taxonomy,
    )


def salesforce_auth(settings: Settings) -> Authenticator:
    from integrations.salesforce import ClientCredentials, JwtBearer, UsernamePassword

    login, client_id = settings.salesforce_login_url, settings.salesforce_client_id
    if settings.salesforce_auth == SalesforceAuthFlow.JWT:
        key_file = Path(settings.salesforce_private_key_file or "")
        return JwtBearer(
            login,
            client_id,
            settings.salesforce_username,
            key_file.read_text(),
            settings.salesforce_jwt_audience,
        )
    secret = settings.salesforce_client_secret.get_secret_value()
    if settings.salesforce_auth == SalesforceAuthFlow.PASSWORD:
        return UsernamePassword(
            login,
            client_id,
            secret,
            settings.salesforce_username,
            settings.salesforce_password.get_secret_value(),
            settings.salesforce_security_token.get_secret_value(),
        )
    return ClientCredentials(login, client_id, secret)


def build_crm(
    settings: Settings, engine: Engine, connection: SalesforceConnection | None = None
) -> Crm:
    if settings.crm != CrmKind.SALESFORCE:
        from integrations.local_crm import LocalCrm

        return LocalCrm(engine)
    return build_salesforce_crm(settings, connection)


def salesforce_connection(settings: Settings) -> SalesforceConnection:
    import requests

    from integrations.prometheus_metrics import record_salesforce_api_usage
    from integrations.salesforce import SalesforceConnection
    from integrations.salesforce.limits import ApiLimits, ApiReserve

    session = requests.Session()
    if settings.salesforce_ca_bundle:
        session.verify = str(settings.salesforce_ca_bundle)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE would override the bundle given
    return SalesforceConnection(
        salesforce_auth(settings),
        session,
        api_version=settings.salesforce_api_version,
        timeout_s=settings.salesforce_timeout_s,
        limits=ApiLimits(
            ApiReserve.parse(settings.salesforce_api_reserve),
            recheck_s=settings.salesforce_limits_recheck_s,
            on_usage=record_salesforce_api_usage,
        ),
    )


def build_salesforce_crm(settings: Settings, connection: SalesforceConnection | None = None) -> Crm:
    from integrations.salesforce import SalesforceCrm

    return SalesforceCrm(
        connection or salesforce_connection(settings),
        external_id_field=settings.salesforce_external_id_field,
        lookup_ttl_s=settings.salesforce_lookup_ttl_s,
        describe_ttl_s=settings.salesforce_describe_ttl_s,
    )


def build_engagement_sync(
    settings: Settings, engine: Engine, connection: SalesforceConnection | None = None
) -> EngagementSync | None:
    """Lifecycle, revenue and health with the CRM; None unless the CRM is Salesforce. Given the
    CRM's connection, it shares its login and its count of the org's API usage."""
    if settings.crm != CrmKind.SALESFORCE:
        return None
    from agent.engagement.crm_sync import EngagementSync
    from integrations.salesforce.engagement import EngagementFields, SalesforceEngagement

    fields = EngagementFields(
        customer_since=settings.salesforce_customer_since_field,
        churned_at=settings.salesforce_churned_at_field,
        health_score=settings.salesforce_health_score_field,
        risk_reason=settings.salesforce_risk_reason_field,
    )
    crm = SalesforceEngagement(
        connection or salesforce_connection(settings),
        fields,
        currency=settings.salesforce_currency,
        describe_ttl_s=settings.salesforce_describe_ttl_s,
    )
    return EngagementSync(engine, crm, settings.kpi_config, settings.health_weights)


def crm_batching(settings: Settings) -> BatchPolicy:
    """Salesforce counts API requests, so finished calls wait a while to share them; the local
    CRM's writes are rows in the same database, and go at once."""
    window_s = settings.crm_batch_window_s if settings.crm == CrmKind.SALESFORCE else 0.0
    return BatchPolicy(records=settings.crm_batch_records, window_s=window_s)


def build_store(settings: Settings) -> AudioStore:
    """The local folder data_dir/audio, or the object store ``storage_url`` names."""
    if not settings.storage_url:
        from integrations.local_storage import LocalAudioStore

        return LocalAudioStore(settings.audio_dir)
    from integrations.s3_storage import S3AudioStore, S3Location, s3_client

    client = s3_client(
        endpoint_url=settings.storage_endpoint_url,
        region=settings.storage_region,
        access_key_id=settings.storage_access_key_id,
        secret_access_key=settings.storage_secret_access_key.get_secret_value(),
    )
    return S3AudioStore(client, S3Location.parse(settings.storage_url))


def build_queue_depths(settings: Settings) -> QueueDepths | None:
    """The broker's queue lengths for /metrics; none with the embedded runner."""
    from api.metrics import CELERY_QUEUES
    from integrations.broker_queues import RedisQueueDepths

    return RedisQueueDepths(settings.broker_url, CELERY_QUEUES) if settings.broker_url else None


def build_container(settings: Settings) -> Container:
    from integrations.http_webhooks import HttpWebhookTransport
    from integrations.prometheus_metrics import (
        CountedCrm,
        CountedWebhookTransport,
        PrometheusStageObserver,
    )
    from integrations.recording_fetch import HttpRecordingFetcher

    engine = make_engine(settings.database_url)
    store = build_store(settings)
    salesforce = salesforce_connection(settings) if settings.crm == CrmKind.SALESFORCE else None
    transport = CountedWebhookTransport(
        HttpWebhookTransport(
            settings.outbound_webhook_timeout_s, settings.outbound_webhook_allow_private
        )
    )
    deliveries = WebhookDeliveries(
        engine,
        transport,
        RetryPolicy(
            base_s=settings.outbound_webhook_retry_base_s,
            cap_s=3600.0,
            max_attempts=settings.outbound_webhook_max_attempts,
        ),
    )
    pipeline = Pipeline(
        engine=engine,
        store=store,
        transcriber=build_transcriber(settings),
        summariser=build_summariser(settings, engine),
        crm=CountedCrm(build_crm(settings, engine, salesforce)),
        sync_mode=settings.crm_sync_mode,
        events=deliveries,
        retry_policy=RetryPolicy(
            base_s=settings.crm_retry_base_s,
            cap_s=settings.crm_retry_cap_s,
            max_attempts=settings.crm_retry_max_attempts,
        ),
        crm_batching=crm_batching(settings),
        kpi=settings.kpi_config,
        company_name=settings.company_name,
        fallback_channel_map=settings.fallback_channel_map,
        observer=PrometheusStageObserver(),
        lease=LeasePolicy(ttl_s=settings.lease_ttl_s),
    )
    fetcher = HttpRecordingFetcher(
        settings.recording_hosts,
        settings.recording_private_hosts,
        max_bytes=settings.max_upload_bytes,
        timeout_s=settings.recording_fetch_timeout_s,
    )
    return Container(
        settings,
        engine,
        store,
        pipeline,
        deliveries,
        fetcher,
        build_throttle(settings),
        build_queue_depths(settings),
        build_engagement_sync(settings, engine, salesforce),
    )


def build_throttle(settings: Settings) -> Throttle:
    policy = ThrottlePolicy(
        failures_per_address=settings.auth_failures_per_address,
        failures_per_key=settings.auth_failures_per_key,
        uploads_per_hour=settings.uploads_per_key_per_hour,
    )
    return Throttle(settings.rate_limit_storage, policy)
