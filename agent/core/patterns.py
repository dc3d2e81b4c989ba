"""Regular expressions an operator configures: compiled once, refused early when invalid."""

from __future__ import annotations

import re
from collections.abc import Iterable


def compile_patterns(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """Compile configured extra patterns; raises ValueError naming the one that is invalid."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            raise ValueError(
                f"redaction pattern {pattern!r} is not a valid regex: {error}"
            ) from None
    return tuple(compiled)
