"""The domain's own value types, shared by the pipeline and the adapters behind its ports."""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field


class Speaker(enum.StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


class OutboxStatus(enum.StrEnum):
    """Where one CRM write stands."""

    PENDING = "pending"
    WRITTEN = "written"
    FAILED = "failed"


class DeliveryStatus(enum.StrEnum):
    """Where one outbound webhook delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Resolution(enum.StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    ESCALATED = "escalated"
    FOLLOW_UP = "follow_up"


class ConversationType(enum.StrEnum):
    """What a conversation is: a customer's problem, a deal, or neither."""

    SUPPORT = "support"
    SALES = "sales"
    OTHER = "other"


class DealSignal(enum.StrEnum):
    """Where a sales conversation leaves the deal."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    AT_RISK = "at_risk"


class ConversationChannel(enum.StrEnum):
    """How a conversation reached us: a recording (voice), or the text of a chat, email or SMS."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"


TEXT_CHANNELS = frozenset(
    {ConversationChannel.CHAT, ConversationChannel.EMAIL, ConversationChannel.SMS}
)
# Someone handles these while they happen, so their length is handle time; an email thread's or
# an SMS exchange's span is mostly waiting for the other side.
LIVE_CHANNELS = frozenset({ConversationChannel.VOICE, ConversationChannel.CHAT})


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class SpeakerRoles(enum.StrEnum):
    """How the speakers of a call were told apart."""

    CHANNELS = "channels"  # stereo, by the channel map given globally or with the upload
    INFERRED = "inferred"  # stereo with the map "auto", decided from what each side said
    DEFAULT = "default"  # stereo with the map "auto" but no cue either way: the global map
    VOICES = "voices"  # mono, two voices told apart; which is the agent from what each said
    VOICE_ORDER = "voice_order"  # mono, two voices, no cue: the agent answered an inbound call
    UNKNOWN = "unknown"  # mono with one voice heard: turns split at pauses, speakers not guessed
    NAMED = "named"  # a text conversation: each turn names its speaker


AUTO_CHANNEL_MAP = "auto"

# The largest id (or offset) a database integer column holds, on SQLite and PostgreSQL alike;
# a larger Python int reaching a query fails inside the driver instead of finding nothing.
MAX_DB_INT = 2**63 - 1


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech by one speaker, times in seconds from the start of the call."""

    start: float
    end: float
    speaker: Speaker
    text: str
    words: tuple[Word, ...] = ()
    channel: int | None = None


@dataclass(frozen=True)
class Transcript:
    language: str
    duration_s: float
    utterances: list[Utterance]
    channels: int = 1
    # Stereo files only: how alike the two channels were (near 1: one signal twice, heard once).
    channel_correlation: float | None = None
    # Heard as mono: how many voices were told apart (1 or 2; their utterances carry the voice,
    # 0 for the first heard, in ``channel``); None where channels gave the speakers.
    voices: int | None = None


@dataclass(frozen=True)
class ChannelMap:
    """Which speaker is on the left and on the right channel of a stereo recording."""

    left: Speaker = Speaker.AGENT
    right: Speaker = Speaker.CUSTOMER

    @classmethod
    def parse(cls, text: str) -> ChannelMap:
        """Read ``"agent,customer"`` (left first) into a map; raises ValueError on anything else."""
        parts = [part.strip().lower() for part in text.split(",")]
        allowed = {Speaker.AGENT.value, Speaker.CUSTOMER.value}
        if len(parts) != 2 or set(parts) != allowed:
            raise ValueError(
                f"channel map must name 'agent' and 'customer' once each, left channel first "
                f"(e.g. 'agent,customer'); got {text!r}"
            )
        return cls(left=Speaker(parts[0]), right=Speaker(parts[1]))

    def __str__(self) -> str:
        return f"{self.left.value},{self.right.value}"

    def speaker(self, channel: int) -> Speaker:
        return self.left if channel == 0 else self.right

    def swapped(self) -> ChannelMap:
        return ChannelMap(left=self.right, right=self.left)


def parse_channel_map(text: str) -> str:
    """Normalise a channel map setting: ``auto`` or ``agent,customer`` in some order."""
    if text.strip().lower() == AUTO_CHANNEL_MAP:
        return AUTO_CHANNEL_MAP
    return str(ChannelMap.parse(text))


# The languages Whisper models are trained on (ISO 639-1, plus haw and yue); a test holds this
# to faster-whisper's own list, which the domain may not import.
_WHISPER_CODES = """
af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he
hi hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne
nl nn no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk
ur uz vi yi yo yue zh
"""
SPEECH_LANGUAGES = frozenset(_WHISPER_CODES.split())
DETECT_LANGUAGE = "auto"


def check_language(code: str) -> str | None:
    """A language speech recognition knows (``en``, ``ja``, ``yue``), lower case; None for
    ``auto`` (detect it)."""
    value = code.strip().lower()
    if value == DETECT_LANGUAGE:
        return None
    if value not in SPEECH_LANGUAGES:
        raise ValueError(
            f"language {code!r} is not one speech recognition knows; give '{DETECT_LANGUAGE}'"
            f" to detect it, or one of: {', '.join(sorted(SPEECH_LANGUAGES))}"
        )
    return value


@dataclass(frozen=True)
class TranscribeOptions:
    """Per-call choices for speech recognition; None falls back to the global setting."""

    channel_map: ChannelMap = field(default_factory=lambda: ChannelMap())
    language: str | None = None
    hotwords: str | None = None
    initial_prompt: str | None = None


@dataclass(frozen=True)
class CallContext:
    """What a summariser may know about the call besides its words."""

    call_date: dt.date
    language: str
    direction: Direction = Direction.INBOUND
    conversation_type: ConversationType | None = None  # the uploader's word; None: decide


class Priority(enum.StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


@dataclass(frozen=True)
class ActionItemDraft:
    description: str
    owner: str
    due_date: dt.date | None = None
    priority: Priority = Priority.NORMAL


@dataclass(frozen=True)
class ResolutionEvidence:
    """The words that decided the resolution, and when in the call they were said."""

    quote: str
    timestamp_s: float | None = None


@dataclass(frozen=True)
class SummaryDraft:
    """A summariser's answer, with the provenance every stored summary records.

    ``llm_input`` is the (redacted) text a language model was sent (for a cache hit, the text
    the cached answer was made from); None when no model saw anything. ``resolution`` is None
    unless the conversation is a support one; ``deal_signal`` is None unless it is a sales one.
    """

    text: str
    key_points: list[str]
    action_items: list[ActionItemDraft]
    resolution: Resolution | None
    sentiment: str
    topics: list[str]
    engine: str
    model: str
    prompt_version: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    language: str = "en"
    evidence: ResolutionEvidence | None = None
    sentiment_start: str = "neutral"
    sentiment_end: str = "neutral"
    issue_category: str | None = None
    issue_category_confidence: float | None = None
    next_steps: list[str] = field(default_factory=list)
    objections: list[str] = field(default_factory=list)
    competitors: list[str] = field(default_factory=list)
    conversation_type: ConversationType = ConversationType.SUPPORT
    deal_signal: DealSignal | None = None
    deal_evidence: str | None = None
    llm_input: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class IssueCategory:
    name: str
    description: str
    examples: Mapping[str, tuple[str, ...]]  # by primary language subtag

    def examples_in(self, language: str) -> tuple[str, ...]:
        """The example phrases in ``language``, or the English ones when it has none."""
        return self.examples.get(language) or self.examples.get("en", ())


@dataclass(frozen=True)
class IssueTaxonomy:
    """The categories a support call can fall in; ``fallback`` names the one for no match."""

    categories: tuple[IssueCategory, ...]
    fallback: str = "other"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(category.name for category in self.categories)


@dataclass(frozen=True)
class CrmWrite:
    """One record to create or update in the CRM, keyed by our own external id.

    ``crm_id`` is the CRM's own id when a record of a type without an external id field was
    already created, so that it is updated rather than created again. ``maybe_sent`` is False
    only when no earlier attempt can have reached the CRM, which spares the CRM a look for a
    copy that attempt made.
    """

    object_type: str
    external_id: str
    fields: dict[str, object]
    crm_id: str | None = None
    maybe_sent: bool = True


@dataclass(frozen=True)
class CrmWriteResult:
    external_id: str
    crm_id: str | None
    error: str | None = None
    retriable: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class MatchHint:
    """What we know about a call's customer, case and agent, to find their CRM records."""

    email: str | None = None
    phone: str | None = None
    case_ref: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    agent_email: str | None = None
    agent_crm_user_id: str | None = None
    opportunity_id: str | None = None


@dataclass(frozen=True)
class CrmLinks:
    """The CRM records a call belongs to; ``owner_id`` is the CRM user who owns its tasks."""

    contact_id: str | None = None
    account_id: str | None = None
    case_id: str | None = None
    owner_id: str | None = None
    opportunity_id: str | None = None


@dataclass(frozen=True)
class CrmEvent:
    """Something Callsight learnt that subscribers may want: ``call.synced`` and the like."""

    event_id: str
    event_type: str
    data: dict[str, object]


@dataclass(frozen=True)
class KpiConfig:
    """The knobs the KPI definitions depend on."""

    timezone: str = "UTC"
    repeat_window_s: int = 7 * 86400
    after_call_work_s: float = 0.0

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def window_days(self) -> float:
        return self.repeat_window_s / 86400


# The health score's components and their default weights (docs/engagement.md, "Health score").
HEALTH_WEIGHTS: dict[str, float] = {
    "contact_frequency": 15.0,
    "repeat_contacts": 15.0,
    "open_cases": 20.0,
    "sentiment": 10.0,
    "surveys": 15.0,
    "overdue_action_items": 10.0,
    "revenue_recency": 15.0,
}


def health_weights(given: dict[str, float]) -> dict[str, float]:
    """The default weights with ``given`` laid over them; unknown names and negative or all-zero
    weights are refused (ValueError)."""
    unknown = set(given) - set(HEALTH_WEIGHTS)
    if unknown:
        raise ValueError(
            f"unknown health component(s) {', '.join(sorted(unknown))}; "
            f"the components are {', '.join(HEALTH_WEIGHTS)}"
        )
    weights = {**HEALTH_WEIGHTS, **given}
    if any(weight < 0 for weight in weights.values()) or not any(weights.values()):
        raise ValueError("health weights must be 0 or more, and not all 0")
    return weights
