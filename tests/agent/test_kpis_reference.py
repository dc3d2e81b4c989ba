"""The KPI SQL against a plain-Python reading of docs/kpis.md on generated data, both backends."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.core.tables import Customer
from agent.kpis.case_queries import case_query
from agent.kpis.history_import import import_csv
from agent.kpis.periods import GroupBy, KpiConfig
from agent.kpis.queries import KpiFilters

CONFIG = KpiConfig(timezone="Europe/Berlin")
BASE = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)  # spans the March clock change in Berlin


@dataclass
class Generated:
    cases_csv: str
    contacts_csv: str
    customer_of_case: dict[str, str]
    closed: dict[str, int | None]
    contacts: dict[str, list[tuple[int, int, bool]]]  # case -> (start, end, resolved), in order


def generate(seed: int = 3, cases: int = 400) -> Generated:
    rnd = random.Random(seed)
    case_lines, contact_lines = [], []
    data = Generated("", "", {}, {}, defaultdict(list))
    number = 0
    for c in range(cases):
        case_id, customer = f"k{c}", f"cust{rnd.randrange(40)}"
        t = BASE + dt.timedelta(seconds=rnd.randrange(20 * 86400))
        closed = t + dt.timedelta(hours=rnd.randrange(1, 400)) if rnd.random() < 0.15 else None
        case_lines.append([case_id, customer, closed.isoformat() if closed else ""])
        data.customer_of_case[case_id] = customer
        data.closed[case_id] = int(closed.timestamp()) if closed else None
        for _ in range(rnd.choice([1, 1, 1, 2, 2, 3, 4])):
            talk, resolved = rnd.randrange(30, 900), rnd.random() < 0.5
            contact_lines.append([f"n{number}", case_id, customer, t.isoformat(), talk, resolved])
            start = int(t.timestamp())
            data.contacts[case_id].append((start, start + talk, resolved))
            number += 1
            t += dt.timedelta(hours=rnd.choice([1, 20, 70, 160, 170, 300]))
    data.cases_csv = _csv(["case_id", "customer_name", "closed_at"], case_lines)
    data.contacts_csv = _csv(
        ["contact_id", "case_id", "customer_name", "started_at", "talk_s", "resolved"],
        contact_lines,
    )
    return data


def _csv(header: list[str], lines: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(lines)
    return out.getvalue()


def _pick(values: list[int | None], choose: type[min] | type[max]) -> int | None:
    present = [v for v in values if v is not None]
    return choose(present) if present else None


def reference(data: Generated) -> dict[str, tuple[float | None, ...]]:
    """Per customer: cases, resolved, FCR rate, mean, median, p90 hours; as docs/kpis.md says."""
    window = CONFIG.repeat_window_s
    per_customer: dict[str, list[tuple[float | None, bool]]] = defaultdict(list)
    for case_id, contacts in data.contacts.items():
        opened, last = contacts[0][0], contacts[-1][0]
        second = contacts[1][0] if len(contacts) > 1 else None
        resolving = [end for _, end, resolved in contacts if resolved]
        first = _pick([min(resolving) if resolving else None, data.closed[case_id]], min)
        latest = _pick([max(resolving) if resolving else None, data.closed[case_id]], max)
        hours = (latest - opened) / 3600 if latest is not None and last <= latest else None
        fcr = (
            hours is not None
            and first is not None
            and (second is None or (second > first and second - opened > window))
        )
        per_customer[data.customer_of_case[case_id]].append((hours, fcr))
    result = {}
    for customer, cases in per_customer.items():
        hours = [h for h, _ in cases if h is not None]
        fcr = sum(f for _, f in cases) / len(hours) if hours else None
        figures = (
            (float(np.mean(hours)), *(float(np.percentile(hours, q)) for q in (50, 90)))
            if hours
            else (None, None, None)
        )
        result[customer] = (len(cases), len(hours), fcr, *figures)
    return result


def test_case_figures_match_a_plain_reading_of_the_definitions(engine: Engine) -> None:
    data = generate()
    with Session(engine) as session:
        import_csv(session, CONFIG, io.StringIO(data.cases_csv), io.StringIO(data.contacts_csv))
        session.commit()
        names = dict(session.exec(select(Customer.id, Customer.name)).all())
    with engine.connect() as connection:
        rows = connection.execute(
            case_query(GroupBy.CUSTOMER, KpiFilters(), CONFIG, engine.dialect.name)
        ).all()
    ours = {names[row[0]]: tuple(row[1:7]) for row in rows}
    expected = reference(data)
    assert ours.keys() == expected.keys()
    for customer, figures in expected.items():
        for got, want in zip(ours[customer], figures, strict=True):
            assert (got is None) == (want is None), (customer, ours[customer], figures)
            if want is not None:
                assert math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-9), (
                    customer,
                    ours[customer],
                    figures,
                )
