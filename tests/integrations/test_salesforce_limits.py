"""The org's daily API limit: the adapter reads Sforce-Limit-Info and keeps a reserve unused."""

from __future__ import annotations

import pytest
import requests

from agent.core.domain import CrmWrite, MatchHint
from agent.core.ports import CrmUnavailable
from agent.core.settings import Settings
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from integrations.salesforce.limits import ApiLimits, ApiReserve
from support.clock import FakeClock
from support.salesforce_emulator import SalesforceEmulator

RECHECK_S = 60.0


def make_crm(
    org: SalesforceEmulator, session: requests.Session, clock: FakeClock, reserve: str
) -> SalesforceCrm:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    limits = ApiLimits(ApiReserve.parse(reserve), recheck_s=RECHECK_S, clock=clock.seconds)
    connection = SalesforceConnection(auth, session, timeout_s=10, limits=limits)
    return SalesforceCrm(connection, clock=clock.seconds)


def task(n: int) -> CrmWrite:
    return CrmWrite("Task", f"t-{n}", {"Subject": f"Task {n}"})


def test_writes_stop_at_the_reserve_and_resume_once_usage_falls(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.set_api_usage(947, limit=1000)
    clock = FakeClock()
    crm = make_crm(sf_org, https_session, clock, "5%")  # 50 of 1,000 kept
    assert all(result.ok for result in crm.write([task(1)]))  # describe and one collection
    assert crm.write([task(2)])[0].ok  # 950 used: 50 left, the reserve
    assert crm.connection.limits.remaining == 50

    with pytest.raises(CrmUnavailable, match="daily API limit") as refused:
        crm.write([task(3)])
    assert "950 of 1,000" in str(refused.value) and "the last 50 (5%)" in str(refused.value)
    with pytest.raises(CrmUnavailable):
        crm.match([MatchHint(email="ana@acme.test")])  # lookups wait too
    assert sf_org.api_used == 950  # nothing was sent

    sf_org.set_api_usage(120)  # the 24-hour window moved on
    clock.advance(RECHECK_S - 1)
    with pytest.raises(CrmUnavailable):
        crm.write([task(3)])  # not read again yet
    clock.advance(1)
    assert crm.write([task(3)])[0].ok  # this one reads the usage again
    assert crm.write([task(4)])[0].ok
    assert crm.connection.limits.remaining == 1000 - 122
    assert {t["Callsight_Id__c"] for t in sf_org.of_type("Task")} == {"t-1", "t-2", "t-3", "t-4"}


def test_a_usage_still_in_the_reserve_keeps_waiting_after_the_recheck(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.set_api_usage(9_000, limit=10_000)
    clock = FakeClock()
    crm = make_crm(sf_org, https_session, clock, "1500")
    crm.match([MatchHint(email="nobody@acme.test")])  # the answer says 9,000 used
    with pytest.raises(CrmUnavailable):
        crm.write([task(1)])
    clock.advance(RECHECK_S)
    crm.write([task(1)])  # the recheck: still 1,000 short of the reserve
    used = sf_org.api_used
    with pytest.raises(CrmUnavailable):
        crm.write([task(2)])
    assert sf_org.api_used == used


def test_the_org_refusing_past_its_limit_is_transient(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.set_api_usage(1000, limit=1000)
    crm = make_crm(sf_org, https_session, FakeClock(), "0")
    result = crm.write([task(1)])[0]
    assert not result.ok and result.retriable and "REQUEST_LIMIT_EXCEEDED" in (result.error or "")


@pytest.mark.parametrize(
    ("text", "kept_of_10000"), [("5%", 500), (" 2.5 % ", 250), ("2000", 2000), ("0", 0)]
)
def test_a_reserve_is_a_percentage_or_a_number(text: str, kept_of_10000: int) -> None:
    assert ApiReserve.parse(text).of(10_000) == kept_of_10000
    assert Settings(salesforce_api_reserve=text).salesforce_api_reserve == text


@pytest.mark.parametrize("text", ["100%", "-5", "five", "20.5", ""])
def test_a_reserve_that_is_neither_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="API_RESERVE"):
        Settings(salesforce_api_reserve=text)
    with pytest.raises(ValueError):
        ApiReserve.parse(text)
