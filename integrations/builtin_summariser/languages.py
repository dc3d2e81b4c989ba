"""Which rule tables serve which call language."""

from __future__ import annotations

from collections.abc import Mapping

from integrations.builtin_summariser.cues_en import ENGLISH
from integrations.builtin_summariser.cues_ja import JAPANESE
from integrations.builtin_summariser.rules import LanguageRules

DEFAULT_RULES: Mapping[str, LanguageRules] = {"en": ENGLISH, "ja": JAPANESE}
"""Rule tables by primary language subtag; register new languages here."""


def primary_subtag(language: str) -> str:
    """``"en-GB"`` or ``"EN_us"`` -> ``"en"``."""
    return language.strip().lower().replace("_", "-").split("-")[0]


def rules_for(language: str, table: Mapping[str, LanguageRules], fallback: str) -> LanguageRules:
    """The rules for ``language``, or for ``fallback`` when the table has none for it."""
    return table.get(primary_subtag(language)) or table[fallback]
