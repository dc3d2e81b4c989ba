"""Lifecycle and revenue from the CRM, into the tables the CSV import fills.

Incremental: each kind of record resumes from the newest modification stamp the last pull saw
(``crm_pull_mark``), asking again for that stamp itself so that a record saved in the same
instant is not missed; reading a record twice writes nothing new. Customers are matched to CRM
accounts by ``customer.crm_id``; an account no customer has is skipped and reported.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from agent.core.engagement_port import AccountLifecycle, Deal, EngagementCrm
from agent.core.tables import Customer
from agent.engagement.tables import AMOUNT_SCALE, CrmPullMark, CustomerLifecycle, RevenueEvent
from agent.kpis.periods import KpiConfig, local_day_and_month, to_epoch

ACCOUNTS_MARK, DEALS_MARK = "accounts", "deals"


@dataclass
class CrmPullResult:
    customers_updated: int = 0
    revenue_added: int = 0
    revenue_updated: int = 0
    revenue_removed: int = 0
    unknown_accounts: list[str] = field(default_factory=list)
    """CRM accounts with data but no customer here (by ``crm_id``), each once."""


def pull_from_crm(
    session: Session, crm: EngagementCrm, config: KpiConfig, full: bool = False
) -> CrmPullResult:
    """Read what changed in the CRM and write it in the session (the caller commits).

    ``full`` reads everything again, as a first pull does.
    """
    result = CrmPullResult()
    puller = _Puller(session, config, result)
    accounts = crm.accounts(None if full else _mark(session, ACCOUNTS_MARK))
    puller.lifecycles(accounts)
    _advance(session, ACCOUNTS_MARK, (a.stamp for a in accounts))
    deals = crm.deals(None if full else _mark(session, DEALS_MARK))
    puller.deals(deals)
    _advance(session, DEALS_MARK, (d.stamp for d in deals))
    return result


class _Puller:
    def __init__(self, session: Session, config: KpiConfig, result: CrmPullResult) -> None:
        self.session, self.config, self.result = session, config, result

    def lifecycles(self, accounts: list[AccountLifecycle]) -> None:
        customers = self._customers(a.account_id for a in accounts)
        for account in accounts:
            customer = customers.get(account.account_id)
            if customer is None:
                self._unknown(account.account_id)
                continue
            lifecycle = self._lifecycle(customer)
            since, since_day = self._moment(account.since)
            churned, churned_day = self._moment(account.churned)
            if lifecycle.id is not None and _dates(lifecycle) == (since, churned):
                continue
            lifecycle.since_ts, lifecycle.since_local_day = since, since_day
            lifecycle.churned_ts, lifecycle.churned_local_day = churned, churned_day
            self.session.add(lifecycle)
            self.result.customers_updated += 1
        self.session.flush()

    def deals(self, deals: list[Deal]) -> None:
        customers = self._customers(d.account_id for d in deals if d.account_id)
        for deal in deals:
            existing = self._revenue(deal.deal_id)
            if not deal.won or deal.amount is None or deal.closed is None:
                if existing is not None:  # reopened, lost, or its amount taken away
                    self.session.delete(existing)
                    self.result.revenue_removed += 1
                continue
            customer = customers.get(deal.account_id or "")
            if customer is None:
                self._unknown(deal.account_id or f"(none, opportunity {deal.deal_id})")
                continue
            self._keep(deal, deal.amount, deal.closed, customer, existing)
        self.session.flush()

    def _keep(
        self,
        deal: Deal,
        amount: decimal.Decimal,
        closed: dt.date,
        customer: Customer,
        existing: RevenueEvent | None,
    ) -> None:
        lifecycle = self._lifecycle(customer)
        if lifecycle.id is None:
            self.session.add(lifecycle)
            self.session.flush()
        assert lifecycle.id is not None
        occurred, day = self._moment(closed)
        assert occurred is not None and day is not None
        event = RevenueEvent(
            external_id=deal.deal_id,
            lifecycle_id=lifecycle.id,
            occurred_ts=occurred,
            local_day=day,
            amount_e4=_e4(amount),
            currency=deal.currency,
        )
        if existing is None:
            self.session.add(event)
            self.result.revenue_added += 1
        elif _kept_values(existing) != _kept_values(event):
            for name in ("lifecycle_id", "occurred_ts", "local_day", "amount_e4", "currency"):
                setattr(existing, name, getattr(event, name))
            self.session.add(existing)
            self.result.revenue_updated += 1

    def _moment(self, moment: dt.date | None) -> tuple[int | None, int | None]:
        if moment is None:
            return None, None
        if not isinstance(moment, dt.datetime):  # a date: its start, in the business timezone
            moment = dt.datetime.combine(moment, dt.time(), tzinfo=self.config.zone)
        seconds = to_epoch(moment)
        return seconds, local_day_and_month(seconds, self.config.zone)[0]

    def _customers(self, crm_ids: Iterable[str]) -> dict[str, Customer]:
        wanted = sorted(set(crm_ids))
        found: dict[str, Customer] = {}
        for start in range(0, len(wanted), 500):  # under every database's parameter limit
            query = select(Customer).where(col(Customer.crm_id).in_(wanted[start : start + 500]))
            found |= {c.crm_id or "": c for c in self.session.exec(query)}
        return found

    def _lifecycle(self, customer: Customer) -> CustomerLifecycle:
        """The customer's lifecycle; a new one (not yet added) is named after its account."""
        query = select(CustomerLifecycle).where(CustomerLifecycle.customer_id == customer.id)
        found = self.session.exec(query).first()
        if found is not None:
            return found
        assert customer.id is not None and customer.crm_id is not None
        return CustomerLifecycle(external_id=customer.crm_id, customer_id=customer.id)

    def _revenue(self, external_id: str) -> RevenueEvent | None:
        query = select(RevenueEvent).where(RevenueEvent.external_id == external_id)
        return self.session.exec(query).first()

    def _unknown(self, account_id: str) -> None:
        if account_id not in self.result.unknown_accounts:
            self.result.unknown_accounts.append(account_id)


def _dates(lifecycle: CustomerLifecycle) -> tuple[int | None, int | None]:
    return lifecycle.since_ts, lifecycle.churned_ts


def _kept_values(event: RevenueEvent) -> tuple[int, int, int, int, str]:
    return (
        event.lifecycle_id,
        event.occurred_ts,
        event.local_day,
        event.amount_e4,
        event.currency,
    )


def _e4(amount: decimal.Decimal) -> int:
    return int((amount * AMOUNT_SCALE).to_integral_value(decimal.ROUND_HALF_EVEN))


def _mark(session: Session, name: str) -> str | None:
    mark = session.get(CrmPullMark, name)
    return mark.stamp if mark is not None else None


def _advance(session: Session, name: str, stamps: Iterable[str]) -> None:
    newest = max(stamps, default=None)
    if newest is None:
        return
    mark = session.get(CrmPullMark, name) or CrmPullMark(name=name, stamp=newest)
    mark.stamp = max(mark.stamp, newest)
    session.add(mark)
