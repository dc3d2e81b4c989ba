"""The words pages show for the domain's stored values (a call's status, a priority, a role).

The values themselves stay in the markup where scripts and styles read them (``status-done``,
``data-status``); only the words a person reads are translated, when the page is rendered.
"""

from __future__ import annotations

from agent.engagement.health import Evidence
from api.web.i18n import N_, gettext

TERMS = {
    # a call's status
    "queued": N_("queued"),
    "transcribing": N_("transcribing"),
    "summarising": N_("summarising"),
    "review": N_("review"),
    "syncing": N_("syncing"),
    "done": N_("done"),
    "failed": N_("failed"),
    "unmatched": N_("unmatched"),
    # a summary's resolution and sentiment
    "resolved": N_("resolved"),
    "unresolved": N_("unresolved"),
    "escalated": N_("escalated"),
    "follow_up": N_("follow up"),
    "positive": N_("positive"),
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "mixed": N_("mixed"),
    # an action item's priority and status
    "high": N_("high"),
    "normal": N_("normal"),
    "low": N_("low"),
    "open": N_("open"),
    # the CRM's side of a call, and a webhook delivery
    "awaiting_review": N_("awaiting review"),
    "not_synced": N_("not synced"),
    "synced": N_("synced"),
    "retrying": N_("retrying"),
    "pending": N_("pending"),
    "written": N_("written"),
    "delivered": N_("delivered"),
    # who a key belongs to, and who speaks in a transcript
    "rep": N_("rep"),
    "lead": N_("lead"),
    "admin": N_("admin"),
    "agent": N_("agent"),
    "customer": N_("customer"),
    "unknown": N_("unknown"),
}


def term(value: object) -> str:
    """The page language's word for a stored value; a value it has no word for, as it is."""
    text = str(value)
    return gettext(TERMS[text]) if text in TERMS else text.replace("_", " ")


def explain(why: Evidence | None, english: str = "") -> str:
    """A health component's evidence in the page language (the English text when it has none)."""
    if why is None:
        return english
    return gettext(why.template).format(**why.values) if why.template else english
