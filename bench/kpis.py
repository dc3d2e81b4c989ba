"""Per-customer FCR and resolution time on 1,000,000 contacts: SQLite and PostgreSQL next to
DuckDB, on the same generated data in one run, with a row-by-row agreement check.

Usage: python bench/kpis.py [--contacts N] [--customers C] [--postgres URL] [--runs R]
(a quick run: --contacts 100000 --customers 10000; the full size takes a few minutes)

Generates N contacts (default 1,000,000) over C customers (default 100,000) with realistic repeat
patterns: most issues close in one call, some need a callback within days, some come back after
the window on the same CRM case, some are reopened, a few are closed in the CRM or escalated.
Loads them into a fresh SQLite file and a fresh PostgreSQL database (created and dropped here)
through the real migrations, executemany (SQLite) and COPY (PostgreSQL), derives the case facts
with ``agent.kpis.cases.refresh_all_cases``, then times Callsight's per-customer case query
(``agent.kpis.case_queries.case_query``, behind ``GET /api/v1/kpis?group_by=customer``). DuckDB
computes the same figures from the raw contacts with its own SQL (window functions and
``quantile_cont``), in memory; it is timed too. Every database must agree with DuckDB to the row.
On each database it then times the health score of every customer
(``agent.engagement.kpi_health.health_scores``, the score ``callsight kpis --by customer`` adds;
sentiment, surveys, lifecycles and revenue are generated for it) beside the KPI query. DuckDB, the
KPI query and the health score take turns, round by round, so that a slower spell of a shared
machine weighs on all three alike. The load average is printed first and last: DuckDB's threads
suffer more than the databases from a busy machine, so compare figures only from a quiet one.
Needs the ``bench`` extra (duckdb).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from agent.core.db import make_engine, upgrade, without_jit
from agent.core.domain import health_weights
from agent.engagement.kpi_health import health_scores
from agent.kpis.case_queries import case_query
from agent.kpis.cases import refresh_all_cases
from agent.kpis.periods import GroupBy, KpiConfig
from agent.kpis.queries import KpiFilters
from agent.kpis.report import driver_rows

CONFIG = KpiConfig()
START = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400
FIGURES = (
    "cases",
    "resolved_cases",
    "fcr_rate",
    "resolution_time_mean_h",
    "resolution_time_median_h",
    "resolution_time_p90_h",
)
AS_OF = dt.datetime.fromtimestamp(START + 365 * DAY, dt.UTC)  # the health score's "now"
WEIGHTS = health_weights({})
Rows = dict[int, tuple[float | None, ...]]


def generate(contacts: int, customers: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Cases and their contacts as column arrays, contacts in time order."""
    rng = np.random.default_rng(seed)
    per_case = np.minimum(rng.geometric(0.62, contacts), 8)  # 1 call: 62 %, 2: 24 %, ...
    per_case = per_case[np.cumsum(per_case) <= contacts]
    per_case = np.append(per_case, contacts - per_case.sum())
    per_case = per_case[per_case > 0]
    n_cases = len(per_case)
    case_of = np.repeat(np.arange(1, n_cases + 1), per_case)
    first = np.cumsum(per_case) - per_case
    position = np.arange(contacts) - np.repeat(first, per_case)
    # Callbacks mostly within days; one in six after the window (same CRM case, or a reopen).
    gap = np.where(
        rng.random(contacts) < 0.83,
        rng.exponential(1.6 * DAY, contacts),
        rng.uniform(7.5 * DAY, 30 * DAY, contacts),
    ).astype(np.int64)
    gap[position == 0] = 0
    offset = np.cumsum(gap) - np.repeat(np.cumsum(gap)[first], per_case)
    opened = START + rng.integers(0, 365 * DAY, n_cases)
    started = opened[case_of - 1] + offset
    talk = rng.gamma(2.0, 180.0, contacts).round()
    hold = np.where(rng.random(contacts) < 0.3, rng.gamma(1.5, 40.0, contacts).round(), 0.0)
    last = position == np.repeat(per_case - 1, per_case)
    resolved = np.where(last, rng.random(contacts) < 0.82, rng.random(contacts) < 0.15)
    closed = np.where(
        rng.random(n_cases) < 0.08,
        started[first + per_case - 1] + rng.integers(3600, 5 * DAY, n_cases),
        -1,
    )
    order = np.argsort(started, kind="stable")
    return {
        "case_id": case_of[order],
        "started_ts": started[order],
        "ended_ts": started[order] + (talk + hold)[order].astype(np.int64),
        "talk_s": talk[order],
        "hold_s": hold[order],
        "resolved": resolved[order].astype(np.int64),
        "case_customer": rng.integers(1, customers + 1, n_cases),
        "case_closed": closed,
    }


def customer_of_contact(data: dict[str, np.ndarray]) -> np.ndarray:
    return data["case_customer"][data["case_id"] - 1]


def case_rows(data: dict[str, np.ndarray]) -> Iterator[tuple[Any, ...]]:
    for i, (customer, closed) in enumerate(
        zip(data["case_customer"].tolist(), data["case_closed"].tolist(), strict=True)
    ):
        yield i + 1, customer, "general", None if closed < 0 else closed


def contact_rows(data: dict[str, np.ndarray]) -> Iterator[tuple[Any, ...]]:
    day = (data["started_ts"] // DAY).tolist()
    month = [0] * len(day)  # grouping by month is not timed here
    columns = (
        data["case_id"].tolist(),
        customer_of_contact(data).tolist(),
        data["started_ts"].tolist(),
        data["ended_ts"].tolist(),
        day,
        month,
        data["talk_s"].tolist(),
        data["hold_s"].tolist(),
        data["resolved"].tolist(),
        [None if math.isnan(v) else v for v in data["sentiment"].tolist()],
    )
    for i, row in enumerate(zip(*columns, strict=True)):
        yield (i + 1, *row, "general")


def engagement(data: dict[str, np.ndarray], customers: int, seed: int = 11) -> None:
    """What the health score reads besides contacts and cases: sentiment on half the calls, a
    survey after one case in five, each customer's lifecycle and three revenue events each."""
    rng = np.random.default_rng(seed)
    contacts, cases = len(data["case_id"]), len(data["case_customer"])
    data["sentiment"] = np.where(
        rng.random(contacts) < 0.5, rng.uniform(-1, 1, contacts).round(3), np.nan
    )
    surveyed = np.flatnonzero(rng.random(cases) < 0.2)
    opened = np.full(cases, np.iinfo(np.int64).max)
    np.minimum.at(opened, data["case_id"] - 1, data["started_ts"])
    data["survey_customer"] = data["case_customer"][surveyed]
    data["survey_ts"] = opened[surveyed] + DAY
    data["survey_csat"] = rng.integers(1, 6, len(surveyed))
    data["survey_nps"] = rng.integers(0, 11, len(surveyed))
    events = 3 * customers
    data["revenue_customer"] = rng.integers(1, customers + 1, events)
    data["revenue_ts"] = START + rng.integers(0, 365 * DAY, events)
    data["revenue_e4"] = rng.integers(-50, 1000, events) * 10_000


def survey_rows(data: dict[str, np.ndarray]) -> Iterator[tuple[Any, ...]]:
    columns = (
        data["survey_customer"].tolist(),
        data["survey_ts"].tolist(),
        (data["survey_ts"] // DAY).tolist(),
        data["survey_csat"].tolist(),
        data["survey_nps"].tolist(),
    )
    for row in zip(*columns, strict=True):
        yield (*row, 0)


def lifecycle_rows(customers: int) -> Iterator[tuple[Any, ...]]:
    for i in range(1, customers + 1):
        yield i, f"customer-{i}", i, START - 400 * DAY


def revenue_rows(data: dict[str, np.ndarray]) -> Iterator[tuple[Any, ...]]:
    columns = (
        data["revenue_customer"].tolist(),  # lifecycle i is customer i's
        data["revenue_ts"].tolist(),
        (data["revenue_ts"] // DAY).tolist(),
        data["revenue_e4"].tolist(),
    )
    for i, row in enumerate(zip(*columns, strict=True)):
        yield (f"revenue-{i}", *row, "EUR")


Table = tuple[str, str, Iterator[tuple[Any, ...]]]


def tables(data: dict[str, np.ndarray], customers: int) -> list[Table]:
    """Every table's name, column list and rows, in the order their references need."""
    return [
        (
            "customer",
            "id, name, created_at",
            ((i, f"customer {i}", "2026-01-01 00:00:00+00") for i in range(1, customers + 1)),
        ),
        ("service_case", "id, customer_id, category, closed_ts", case_rows(data)),
        (
            "contact",
            "id, case_id, customer_id, started_ts, ended_ts, local_day, local_month, "
            "talk_s, hold_s, resolved, sentiment_change, category",
            contact_rows(data),
        ),
        (
            "survey",
            "customer_id, responded_ts, local_day, csat, nps, local_month",
            survey_rows(data),
        ),
        ("customer_lifecycle", "id, external_id, customer_id, since_ts", lifecycle_rows(customers)),
        (
            "revenue_event",
            "external_id, lifecycle_id, occurred_ts, local_day, amount_e4, currency",
            revenue_rows(data),
        ),
    ]


def load_sqlite(engine: Engine, data: dict[str, np.ndarray], customers: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")  # the generator keeps every reference valid
        cursor.execute("PRAGMA synchronous=OFF")  # a bulk load that can simply be run again
        cursor.execute("PRAGMA cache_size=-262144")
        for table, columns, rows in tables(data, customers):
            marks = ", ".join("?" for _ in columns.split(","))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        raw.commit()
    finally:
        raw.close()


def load_postgres(engine: Engine, data: dict[str, np.ndarray], customers: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor: Any = raw.cursor()
        for table, columns, rows in tables(data, customers):
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def derive_and_analyse(engine: Engine) -> None:
    with Session(engine) as session:
        refresh_all_cases(session)
        session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )


def callsight_rows(engine: Engine) -> Rows:
    """The per-customer case figures as the KPI report fetches them."""
    query = case_query(GroupBy.CUSTOMER, KpiFilters(), CONFIG, engine.dialect.name)
    with engine.connect() as connection:
        without_jit(connection)
        _, rows = driver_rows(connection, query)
        return {row[0]: tuple(row[1 : 1 + len(FIGURES)]) for row in rows}


# DuckDB's own reading of docs/kpis.md, straight from the raw contacts and case closures.
DUCKDB_SQL = """
WITH ordered AS (
    SELECT case_id, started_ts, ended_ts, resolved,
        row_number() OVER w AS n, lead(started_ts) OVER w AS next_ts
    FROM contact WINDOW w AS (PARTITION BY case_id ORDER BY started_ts, id)
), per_case AS (
    SELECT case_id, min(started_ts) AS opened, max(started_ts) AS last_contact,
        max(CASE WHEN n = 1 THEN next_ts END) AS second_ts,
        min(CASE WHEN resolved = 1 THEN ended_ts END) AS first_res,
        max(CASE WHEN resolved = 1 THEN ended_ts END) AS last_res
    FROM ordered GROUP BY case_id
), resolution AS (
    SELECT k.customer_id, p.opened, p.second_ts, p.last_contact,
        CASE WHEN k.closed_ts IS NULL THEN p.first_res WHEN p.first_res IS NULL THEN k.closed_ts
             ELSE least(p.first_res, k.closed_ts) END AS first_resolved,
        CASE WHEN k.closed_ts IS NULL THEN p.last_res WHEN p.last_res IS NULL THEN k.closed_ts
             ELSE greatest(p.last_res, k.closed_ts) END AS last_resolved
    FROM service_case k JOIN per_case p ON p.case_id = k.id
), facts AS (
    SELECT customer_id,
        CASE WHEN last_resolved IS NOT NULL AND last_contact <= last_resolved
             THEN (last_resolved - opened) / 3600.0 END AS hours,
        first_resolved, second_ts, opened
    FROM resolution
)
SELECT customer_id, count(*), count(hours),
    sum(CASE WHEN hours IS NOT NULL AND first_resolved IS NOT NULL AND (second_ts IS NULL
        OR (second_ts > first_resolved AND second_ts - opened > $window)) THEN 1 ELSE 0 END)
        / nullif(count(hours), 0),
    avg(hours), quantile_cont(hours, 0.5), quantile_cont(hours, 0.9)
FROM facts GROUP BY customer_id
"""


def duckdb_connection(data: dict[str, np.ndarray]) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    contacts = {name: data[name] for name in ("case_id", "started_ts", "ended_ts", "resolved")}
    contacts["id"] = np.arange(1, len(data["case_id"]) + 1)
    cases = {
        "id": np.arange(1, len(data["case_customer"]) + 1),
        "customer_id": data["case_customer"],
        "closed": data["case_closed"],
    }
    db.register("contacts_in", contacts)
    db.register("cases_in", cases)
    db.execute("CREATE TABLE contact AS SELECT * FROM contacts_in")
    db.execute(
        "CREATE TABLE service_case AS SELECT id, customer_id, "
        "nullif(closed, -1) AS closed_ts FROM cases_in"
    )
    return db


def duckdb_rows(db: duckdb.DuckDBPyConnection) -> Rows:
    result = db.execute(DUCKDB_SQL, {"window": CONFIG.repeat_window_s}).fetchall()
    return {row[0]: tuple(row[1:]) for row in result}


def timed_together(runs: int, **work: Callable[[], Any]) -> dict[str, tuple[float, Any]]:
    """Each piece of work's median time and last result. The pieces take turns, round by
    round, so a slower or busier spell of the machine weighs on all of them alike; the first
    round warms the caches and is not counted."""
    results = {name: run() for name, run in work.items()}
    times: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, run in work.items():
            began = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - began)
    return {name: (statistics.median(times[name]), results[name]) for name in work}


def scores(engine: Engine) -> dict[int, float | None]:
    return health_scores(engine, CONFIG, WEIGHTS, AS_OF)


def time_backend(
    name: str, engine: Engine, db: duckdb.DuckDBPyConnection, reference: Rows, runs: int
) -> None:
    """DuckDB, the KPI query and the health score, timed in turns."""
    timings = timed_together(
        runs,
        duckdb=lambda: duckdb_rows(db),
        kpis=lambda: callsight_rows(engine),
        health=lambda: scores(engine),
    )
    duck_s = timings["duckdb"][0]
    seconds, rows = timings["kpis"]
    health_s, scored_customers = timings["health"]
    print(f"{'  DuckDB':11} {duck_s:8.3f} s  {'':13}  {len(reference):7} rows  (reference)")
    report(name, seconds, duck_s, rows, disagreements(rows, reference))
    scored = sum(score is not None for score in scored_customers.values())
    print(
        f"{'  health':11} {health_s:8.3f} s  {health_s / seconds:6.2f}x the KPI query  "
        f"{scored:,} customers scored"
    )


def load_average() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def disagreements(ours: Rows, reference: Rows) -> list[str]:
    problems = [f"customer {k}: missing" for k in reference.keys() - ours.keys()]
    problems += [f"customer {k}: not in the reference" for k in ours.keys() - reference.keys()]
    for key in reference.keys() & ours.keys():
        for name, a, b in zip(FIGURES, ours[key], reference[key], strict=True):
            if (a is None) != (b is None) or (
                a is not None and not math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
            ):
                problems.append(f"customer {key} {name}: {a} vs DuckDB {b}")
    return problems


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"callsight_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(
    url: str,
    load: Callable[[Engine, dict[str, np.ndarray], int], None],
    data: dict[str, np.ndarray],
    customers: int,
) -> tuple[Engine, float, float]:
    upgrade(url)
    engine = make_engine(url)
    began = time.perf_counter()
    load(engine, data, customers)
    loaded = time.perf_counter()
    derive_and_analyse(engine)
    return engine, loaded - began, time.perf_counter() - loaded


def report(
    name: str, seconds: float, reference: float, rows: Rows, problems: Sequence[str]
) -> None:
    verdict = "agree" if not problems else f"{len(problems)} DISAGREE, e.g. {problems[0]}"
    ratio = seconds / reference
    print(f"{name:11} {seconds:8.3f} s  {ratio:6.2f}x DuckDB  {len(rows):7} rows  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds; the median counts")
    args = parser.parse_args()
    data = generate(args.contacts, args.customers)
    engagement(data, args.customers)
    print(
        f"{args.contacts:,} contacts on {len(data['case_customer']):,} cases over "
        f"{args.customers:,} customers; median of {args.runs} rounds after a warm-up; "
        f"{load_average()}"
    )
    db = duckdb_connection(data)
    reference = duckdb_rows(db)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine, load_s, derive_s = prepare(url, load_sqlite, data, args.customers)
        print(f"SQLite: load {load_s:.1f} s, derive case facts {derive_s:.1f} s")
        time_backend("SQLite", engine, db, reference, args.runs)
        engine.dispose()
    with postgres_database(args.postgres) as url:
        engine, load_s, derive_s = prepare(url, load_postgres, data, args.customers)
        print(f"PostgreSQL: load {load_s:.1f} s, derive case facts {derive_s:.1f} s")
        time_backend("PostgreSQL", engine, db, reference, args.runs)
        engine.dispose()
    print(load_average())


if __name__ == "__main__":
    main()
