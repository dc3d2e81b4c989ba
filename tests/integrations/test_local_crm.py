from __future__ import annotations

from sqlalchemy import Engine

from agent.core.domain import CrmWrite
from integrations.local_crm import LocalCrm


def test_writes_upsert_by_external_id(engine: Engine) -> None:
    crm = LocalCrm(engine)
    first = crm.write(
        [
            CrmWrite("Task", "callsight-call-1", {"Subject": "Call", "Status": "Completed"}),
            CrmWrite("Task", "callsight-action-1", {"Subject": "Send adapter"}),
        ]
    )
    again = crm.write([CrmWrite("Task", "callsight-action-1", {"Subject": "Send new adapter"})])
    assert all(result.ok for result in first + again)
    assert again[0].crm_id == first[1].crm_id
    records = crm.records("Task")
    assert [r.external_id for r in records] == ["callsight-call-1", "callsight-action-1"]
    assert records[1].fields == {"Subject": "Send new adapter"}


def test_the_same_external_id_on_another_object_type_is_another_record(engine: Engine) -> None:
    crm = LocalCrm(engine)
    crm.write([CrmWrite("Task", "x-1", {}), CrmWrite("Case", "x-1", {"Status": "Closed"})])
    assert len(crm.records()) == 2
    assert [r.object_type for r in crm.records("Case")] == ["Case"]
