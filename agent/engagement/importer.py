"""Lifecycle and revenue import from CSV, all or nothing, as the KPI history import.

Every row is checked in every way (its cells, repeated ids, revenue of a customer that is in
neither the file nor the database, two lifecycle rows for one customer) before anything is kept;
any problem rejects the whole import with one line per problem, by file and line.

A customer already imported is updated from the file (lifecycle data changes: customers churn),
while a revenue id already imported is refused, so that no payment can be counted twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO

from sqlmodel import Session, select

from agent.core.tables import Customer
from agent.engagement.rows import CustomerRow, RevenueRow
from agent.engagement.tables import AMOUNT_SCALE, CustomerLifecycle, RevenueEvent
from agent.kpis.history_import import ImportRejected
from agent.kpis.import_rows import Problems, Where, parse
from agent.kpis.periods import KpiConfig, local_day_and_month, to_epoch

CUSTOMERS_FILE_ORDER = 3  # after the KPI import's cases, contacts and surveys
REVENUE_FILE_ORDER = 4


@dataclass
class EngagementImportResult:
    customers: int = 0
    revenue_events: int = 0


def import_engagement(
    session: Session,
    config: KpiConfig,
    customers: IO[str] | None = None,
    revenue: IO[str] | None = None,
    date_format: str | None = None,
) -> EngagementImportResult:
    """Write the files' rows in the session (the caller commits, or rolls back on a raise).

    Raises ImportRejected with every problem found; the session then holds partial writes and
    must be rolled back.
    """
    problems = Problems()
    customer_rows = parse(
        customers, CustomerRow, "customer_id", CUSTOMERS_FILE_ORDER, problems, date_format
    )
    revenue_rows = parse(
        revenue, RevenueRow, "revenue_id", REVENUE_FILE_ORDER, problems, date_format
    )
    writer = _Writer(session, config, problems, customer_rows.failed_ids)
    for where, customer in customer_rows.rows:
        writer.customer(where, customer)
    for where, event in revenue_rows.rows:
        writer.revenue(where, event)
    if problems:
        raise ImportRejected(problems.lines())
    return EngagementImportResult(len(customer_rows.rows), len(revenue_rows.rows))


class _Writer:
    def __init__(
        self, session: Session, config: KpiConfig, problems: Problems, failed: set[str]
    ) -> None:
        self.session, self.config, self.problems = session, config, problems
        self.failed_customers = failed
        self.seen_customers: set[str] = set()
        self.seen_revenue: set[str] = set()

    def customer(self, where: Where, row: CustomerRow) -> None:
        if row.customer_id in self.seen_customers:
            self.problems.add(where, f"customer_id {row.customer_id!r} is repeated in the file")
            return
        self.seen_customers.add(row.customer_id)
        lifecycle = self._lifecycle(row.customer_id)
        customer = self._customer(row, lifecycle)
        conflict = self._conflict(row, customer)
        if conflict:
            self.problems.add(where, conflict)
            self.failed_customers.add(row.customer_id)  # its revenue is not reported again
            return
        self._update(customer, row)
        if lifecycle is None:
            assert customer.id is not None
            lifecycle = CustomerLifecycle(external_id=row.customer_id, customer_id=customer.id)
        self._fill(lifecycle, row)

    def _conflict(self, row: CustomerRow, customer: Customer) -> str | None:
        """Why the row cannot be this customer's lifecycle, if it cannot."""
        owner = self._lifecycle_of(customer) if customer.id is not None else None
        if owner is not None and owner.external_id != row.customer_id:
            return f"{_who(row)} is already customer_id {owner.external_id!r}"
        if row.customer_crm_id and row.customer_crm_id != customer.crm_id:
            holder = self._first(select(Customer).where(Customer.crm_id == row.customer_crm_id))
            if holder is not None:
                return f"customer_crm_id {row.customer_crm_id!r} is another customer's"
        return None

    def revenue(self, where: Where, row: RevenueRow) -> None:
        if row.revenue_id in self.seen_revenue or self._revenue_exists(row.revenue_id):
            self.problems.add(where, f"revenue_id {row.revenue_id!r} is already imported")
            return
        self.seen_revenue.add(row.revenue_id)
        lifecycle = self._lifecycle(row.customer_id)
        if lifecycle is None:
            if row.customer_id not in self.failed_customers:  # its own row says what is wrong
                self.problems.add(
                    where,
                    f"customer_id {row.customer_id!r} is not in the customers file"
                    " nor imported before",
                )
            return
        assert lifecycle.id is not None
        occurred = to_epoch(row.occurred_at)
        self.session.add(
            RevenueEvent(
                external_id=row.revenue_id,
                lifecycle_id=lifecycle.id,
                occurred_ts=occurred,
                local_day=local_day_and_month(occurred, self.config.zone)[0],
                amount_e4=int(row.amount * AMOUNT_SCALE),
                currency=row.currency,
            )
        )

    def _fill(self, lifecycle: CustomerLifecycle, row: CustomerRow) -> None:
        lifecycle.segment = row.segment
        lifecycle.since_ts, lifecycle.since_local_day = self._moment(row.customer_since)
        lifecycle.churned_ts, lifecycle.churned_local_day = self._moment(row.churned_at)
        self.session.add(lifecycle)
        self.session.flush()

    def _moment(self, moment: dt.datetime | None) -> tuple[int | None, int | None]:
        if moment is None:
            return None, None
        seconds = to_epoch(moment)
        return seconds, local_day_and_month(seconds, self.config.zone)[0]

    def _customer(self, row: CustomerRow, lifecycle: CustomerLifecycle | None) -> Customer:
        """The customer the row describes: its lifecycle's, else by CRM id, else by name, else
        a new one (not yet added)."""
        customer: Customer | None = None
        if lifecycle is not None:
            customer = self.session.get(Customer, lifecycle.customer_id)
        elif row.customer_crm_id:
            customer = self._first(select(Customer).where(Customer.crm_id == row.customer_crm_id))
        elif row.name:
            customer = self._first(select(Customer).where(Customer.name == row.name))
        return customer or Customer(name=row.name or row.customer_crm_id or row.customer_id)

    def _update(self, customer: Customer, row: CustomerRow) -> None:
        customer.crm_id = row.customer_crm_id or customer.crm_id
        customer.name = row.name or customer.name
        customer.email = row.email or customer.email
        self.session.add(customer)
        self.session.flush()

    def _first(self, query: object) -> Customer | None:
        return self.session.exec(query).first()  # type: ignore[call-overload,no-any-return]

    def _lifecycle(self, external_id: str) -> CustomerLifecycle | None:
        query = select(CustomerLifecycle).where(CustomerLifecycle.external_id == external_id)
        return self.session.exec(query).first()

    def _lifecycle_of(self, customer: Customer) -> CustomerLifecycle | None:
        query = select(CustomerLifecycle).where(CustomerLifecycle.customer_id == customer.id)
        return self.session.exec(query).first()

    def _revenue_exists(self, external_id: str) -> bool:
        query = select(RevenueEvent.id).where(RevenueEvent.external_id == external_id)
        return self.session.exec(query).first() is not None


def _who(row: CustomerRow) -> str:
    if row.customer_crm_id:
        return f"customer_crm_id {row.customer_crm_id!r}"
    return f"name {row.name!r}"
