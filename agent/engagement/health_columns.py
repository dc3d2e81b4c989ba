"""Every customer's health score at once: the facts' rows laid out as one array per fact, and
``health.score_only``'s arithmetic done on the arrays, operation for operation and in the same
order, so each score is bit-for-bit the one ``score_only`` gives (the test compares them)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from agent.engagement.health import DECIMALS, FRESH_PAYMENT_DAYS, STALE_PAYMENT_DAYS
from agent.engagement.health_queries import (
    BASELINE_DAYS,
    DAY_S,
    FREQUENCY_DAYS,
    FactRows,
)

Array = NDArray[np.float64]
Columns = dict[str, Array]
# A component's value for every customer, and where it is left out (no data).
Outcome = tuple[Array, NDArray[np.bool_]]

COUNTS = (
    "contacts_30d",
    "contacts_baseline",
    "contacts_90d",
    "repeats_90d",
    "cases_90d",
    "troubled_cases_90d",
    "action_items",
    "overdue_action_items",
)
FIGURES = ("sentiment_90d", "csat_90d", "nps_90d", "ces_90d", "last_payment_ts")


def columns(sources: FactRows) -> tuple[list[int], Columns]:
    """The customers (ascending) and each fact as an array over them: 0 where a count has no
    row, NaN where a figure is None."""
    # One C-level conversion per source (None becomes NaN); transposing the rows in Python
    # cost a quarter of the health score's time at 100,000 customers. Ids and epoch seconds
    # stay exact in a float64 (below 2**53).
    tables = [(names, np.array(rows, dtype=np.float64)) for names, rows in sources if rows]
    keys = [table[:, 0].astype(np.int64) for _, table in tables]
    customers = np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
    facts: Columns = {name: np.zeros(len(customers)) for name in COUNTS}
    facts |= {name: np.full(len(customers), np.nan) for name in FIGURES}
    for (names, table), source_keys in zip(tables, keys, strict=True):
        at_index = np.searchsorted(customers, source_keys)
        for position, name in enumerate(names, start=1):
            if name in facts:
                facts[name][at_index] = table[:, position]
    return customers.tolist(), facts


def rounded(values: Array, decimals: int = DECIMALS) -> list[float]:
    """``round(value, decimals)`` of each value, as Python rounds it. NumPy scales, rounds to
    an integer and scales back, which lands on the same float unless the scaled value sits
    within rounding error of a tie; those few are rounded by Python."""
    scaled = values * 10.0**decimals
    tolerance = np.maximum(1e-6, np.abs(scaled) * 1e-12)  # far above the scaling's error
    near_tie = np.abs(scaled - np.floor(scaled) - 0.5) < tolerance
    result: list[float] = np.round(values, decimals).tolist()
    for index in np.flatnonzero(near_tie).tolist():
        result[index] = round(float(values[index]), decimals)
    return result


def _frequency(f: Columns, at: int) -> Outcome:
    usual = f["contacts_baseline"] * FREQUENCY_DAYS / BASELINE_DAYS
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(f["contacts_30d"] <= usual, 1.0, usual / f["contacts_30d"])
    return value, f["contacts_baseline"] != 0


def _healthy_share(bad: Array, all_: Array) -> Outcome:
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - bad / all_, all_ != 0


def _repeats(f: Columns, at: int) -> Outcome:
    return _healthy_share(f["repeats_90d"], f["contacts_90d"])


def _cases(f: Columns, at: int) -> Outcome:
    return _healthy_share(f["troubled_cases_90d"], f["cases_90d"])


def _sentiment(f: Columns, at: int) -> Outcome:
    return (f["sentiment_90d"] + 1) / 2, ~np.isnan(f["sentiment_90d"])


def _surveys(f: Columns, at: int) -> Outcome:
    parts = (f["csat_90d"], (f["nps_90d"] + 100) / 200, (7 - f["ces_90d"]) / 6)
    total, count = np.zeros_like(parts[0]), np.zeros_like(parts[0])
    for part in parts:
        present = ~np.isnan(part)
        total += np.where(present, part, 0.0)
        count += present
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / count, count != 0


def _overdue(f: Columns, at: int) -> Outcome:
    return 1 / (1 + f["overdue_action_items"]), f["action_items"] != 0


def _payment(f: Columns, at: int) -> Outcome:
    days = (at - f["last_payment_ts"]) / DAY_S
    span = STALE_PAYMENT_DAYS - FRESH_PAYMENT_DAYS
    value = np.minimum(1.0, np.maximum(0.0, 1 - (days - FRESH_PAYMENT_DAYS) / span))
    return value, ~np.isnan(days)


# In the order of health.VALUES: the sums below add the components in that order.
COMPONENTS: dict[str, Callable[[Columns, int], Outcome]] = {
    "contact_frequency": _frequency,
    "repeat_contacts": _repeats,
    "open_cases": _cases,
    "sentiment": _sentiment,
    "surveys": _surveys,
    "overdue_action_items": _overdue,
    "revenue_recency": _payment,
}


def scores(sources: FactRows, at: int, weights: dict[str, float]) -> dict[int, float | None]:
    """Every customer's score from ``fact_rows``' rows, as ``score_only`` gives it."""
    customers, facts = columns(sources)
    weighted = []
    for name, outcome in COMPONENTS.items():
        weight = weights.get(name, 0)
        if weight != 0:
            value, present = outcome(facts, at)
            weighted.append((weight, value, present))
    total = np.zeros(len(customers))
    for weight, _, present in weighted:
        total += np.where(present, weight, 0.0)
    raw = np.zeros(len(customers))
    with np.errstate(divide="ignore", invalid="ignore"):
        for weight, value, present in weighted:
            raw += np.where(present, 100 * weight * value / total, 0.0)
    return {
        customer: points if weight_sum else None
        for customer, points, weight_sum in zip(
            customers, rounded(raw), total.tolist(), strict=True
        )
    }
