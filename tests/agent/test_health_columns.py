"""The all-customers health score on arrays gives, bit for bit, what ``score_only`` gives one
customer at a time, over facts with every component present, missing, zero and at its edges."""

from __future__ import annotations

import dataclasses
import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.core.domain import health_weights
from agent.engagement.health import VALUES, score_only
from agent.engagement.health_columns import COMPONENTS, rounded, scores
from agent.engagement.health_queries import DAY_S, HealthFacts

AT = 1_800_000_000
NAMES = [f.name for f in dataclasses.fields(HealthFacts) if f.name not in ("churned", "calls")]


def _maybe(rng: random.Random, value: float) -> float | None:
    return None if rng.random() < 0.3 else value


def _facts(rng: random.Random) -> HealthFacts:
    contacts_90d = rng.choice([0, 1, 3, rng.randint(0, 400)])
    cases = rng.choice([0, rng.randint(0, 50)])
    items = rng.choice([0, rng.randint(0, 9)])
    return HealthFacts(
        contacts_30d=rng.choice([0, 1, rng.randint(0, 200)]),
        contacts_baseline=rng.choice([0, 5, rng.randint(0, 900)]),
        contacts_90d=contacts_90d,
        repeats_90d=rng.randint(0, contacts_90d),
        sentiment_90d=_maybe(rng, rng.choice([-1.0, 1.0, rng.uniform(-1, 1)])),
        cases_90d=cases,
        troubled_cases_90d=rng.randint(0, cases),
        csat_90d=_maybe(rng, rng.randint(0, 7) / 7),
        nps_90d=_maybe(rng, rng.choice([-100.0, 100.0, rng.randint(-70, 70) * 100 / 70])),
        ces_90d=_maybe(rng, rng.uniform(1, 7)),
        action_items=items,
        overdue_action_items=rng.randint(0, items),
        last_payment_ts=_maybe(rng, AT - rng.choice([0, 30 * DAY_S, rng.randint(0, 400 * DAY_S)])),
    )


@pytest.mark.parametrize(
    "given",
    [{}, {"sentiment": 0.0, "surveys": 3.5}, {"revenue_recency": 0.0, "open_cases": 0.0}],
)
def test_scores_on_arrays_are_score_only_bit_for_bit(given: dict[str, float]) -> None:
    rng = random.Random(16)
    weights = health_weights(given)
    facts = {key: _facts(rng) for key in range(1, 5001)}
    facts[5001] = HealthFacts()  # nothing at all: no score
    rows = [(key, *(getattr(f, name) for name in NAMES)) for key, f in facts.items()]
    # Two sources, a customer missing from the second: its facts there are the defaults.
    split = NAMES.index("cases_90d")
    sources = [
        (NAMES[:split], [row[: split + 1] for row in rows]),
        (NAMES[split:], [(row[0], *row[split + 1 :]) for row in rows if row[0] % 7]),
    ]
    for key, f in facts.items():
        if not key % 7:
            facts[key] = dataclasses.replace(
                HealthFacts(), **{n: getattr(f, n) for n in NAMES[:split]}
            )
    expected = {key: score_only(f, AT, weights) for key, f in facts.items()}
    assert scores(sources, AT, weights) == expected
    assert expected[5001] is None
    assert sum(value is None for value in expected.values()) < len(expected) / 2


def test_no_rows_give_no_scores() -> None:
    assert scores([(["contacts_30d"], [])], AT, health_weights({})) == {}


def test_components_are_added_in_the_order_score_only_adds_them() -> None:
    assert list(COMPONENTS) == list(VALUES)


@given(
    st.lists(
        st.one_of(
            st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
            # Ties and near-ties in the fifth decimal, where scaling by 10**4 errs.
            st.integers(-(10**9), 10**9).map(lambda n: (n + 0.5) / 10**4),
            st.integers(-(10**9), 10**9).map(lambda n: n / 10**5),
        ),
        max_size=50,
    )
)
def test_rounding_on_arrays_is_pythons_round(values: list[float]) -> None:
    assert rounded(np.array(values, dtype=np.float64)) == [round(v, 4) for v in values]


def test_rounding_keeps_nan_for_customers_without_a_score() -> None:
    assert math.isnan(rounded(np.array([math.nan]))[0])
