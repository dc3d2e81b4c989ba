"""Offline, deterministic call summariser behind the ``Summariser`` port."""

from integrations.builtin_summariser.due_dates import resolve_due_date
from integrations.builtin_summariser.rules import LanguageRules
from integrations.builtin_summariser.summariser import BuiltinSummariser

__all__ = ["BuiltinSummariser", "LanguageRules", "resolve_due_date"]
