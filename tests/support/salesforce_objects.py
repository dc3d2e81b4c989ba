"""The Salesforce objects the emulator knows, field by field, for ``describe`` and write checks.

Source: the Salesforce "Object Reference for the Salesforce Platform" (API version 60.0), the
pages for Task, Event, Case, CaseComment, Contact, Account, User and Opportunity: each field's
type, length and properties (Create, Update, Nillable, Defaulted on create, Restricted picklist),
and the picklist values a new org ships with. Written down from that reference, not read from a
live org, and only the fields Callsight and its tests touch. Three status fields are treated as
restricted although the reference does not flag them so: Task.Status, Case.Status and
Opportunity.StageName take their values from TaskStatus, CaseStatus and OpportunityStage (each
value says whether the record is closed), and an org refuses a value those tables lack.

``SystemModstamp`` and ``LastModifiedDate`` are the audit fields every object has; the emulator
keeps them on Account and Opportunity, where Callsight reads what changed since a moment.
Account's ``Callsight_*__c`` fields are custom ones an admin adds for the engagement sync
(docs/salesforce.md): two Date fields read, a Number(3, 0) and a Text(255) written.

``Callsight_Id__c`` is not standard: it is the external id field an admin adds to Task and Event
when installing Callsight (Text(100), External ID, Unique). CaseComment takes no custom fields at
all, so a comment has no external id.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

EXTERNAL_ID_FIELD = "Callsight_Id__c"


@dataclass(frozen=True)
class FieldSpec:
    """One field as ``describe`` reports it."""

    name: str
    type: str
    length: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    defaulted_on_create: bool = False
    picklist: tuple[str, ...] = ()
    default_value: str | None = None
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    external_id: bool = False
    unique: bool = False
    precision: int = 0
    scale: int = 0

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def required_on_create(self) -> bool:
        return self.createable and not self.nillable and not self.defaulted_on_create

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.name,
            "type": self.type,
            "length": self.length,
            "createable": self.createable,
            "updateable": self.updateable,
            "nillable": self.nillable,
            "defaultedOnCreate": self.defaulted_on_create,
            "restrictedPicklist": self.restricted,
            "externalId": self.external_id,
            "unique": self.unique,
            "precision": self.precision,
            "scale": self.scale,
            "referenceTo": list(self.reference_to),
            "picklistValues": [
                {
                    "value": value,
                    "label": value,
                    "active": True,
                    "defaultValue": value == self.default_value,
                    "validFor": None,
                }
                for value in self.picklist
            ],
        }


TEXT_TYPES = frozenset(
    {"string", "textarea", "combobox", "email", "phone", "url", "picklist", "multipicklist"}
)


def text(name: str, length: int, kind: str = "string", **flags: Any) -> FieldSpec:
    return FieldSpec(name, kind, length, **flags)


def picklist(
    name: str, values: tuple[str, ...], default: str | None = None, **flags: Any
) -> FieldSpec:
    return FieldSpec(name, "picklist", 40, picklist=values, default_value=default, **flags)


def reference(name: str, *to: str, **flags: Any) -> FieldSpec:
    return FieldSpec(name, "reference", 18, reference_to=to, **flags)


def read_only(name: str, kind: str, length: int = 0) -> FieldSpec:
    return FieldSpec(name, kind, length, createable=False, updateable=False)


def scalar(name: str, kind: str, **flags: Any) -> FieldSpec:
    return FieldSpec(name, kind, **flags)


def _id() -> FieldSpec:
    return FieldSpec("Id", "id", 18, createable=False, updateable=False, nillable=False)


def _owner() -> FieldSpec:
    return reference("OwnerId", "User", "Group", nillable=False, defaulted_on_create=True)


def _external_id() -> FieldSpec:
    return text(EXTERNAL_ID_FIELD, 100, external_id=True, unique=True)


def _status(name: str, values: tuple[str, ...], default: str) -> FieldSpec:
    return picklist(
        name, values, default, nillable=False, defaulted_on_create=True, restricted=True
    )


ACTIVITY_LINKS = ("Account", "Case", "Opportunity")

TASK = (
    _id(),
    text("Subject", 255, "combobox", picklist=("Call", "Send Letter", "Send Quote", "Other")),
    _status(
        "Status",
        ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"),
        "Not Started",
    ),
    _status("Priority", ("High", "Normal", "Low"), "Normal"),
    picklist(
        "TaskSubtype",
        ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"),
        updateable=False,
        restricted=True,
    ),
    picklist("CallType", ("Internal", "Inbound", "Outbound"), restricted=True),
    scalar("CallDurationInSeconds", "int"),
    text("CallDisposition", 255),
    text("CallObject", 255),
    scalar("ActivityDate", "date"),
    text("Description", 32000, "textarea"),
    reference("WhoId", "Contact", "Lead"),
    reference("WhatId", *ACTIVITY_LINKS),
    _owner(),
    read_only("AccountId", "reference", 18),
    read_only("IsClosed", "boolean"),
    read_only("CreatedDate", "datetime"),
    _external_id(),
)

EVENT = (
    _id(),
    text("Subject", 255, "combobox", picklist=("Call", "Email", "Meeting", "Other")),
    scalar("ActivityDateTime", "datetime"),
    scalar("ActivityDate", "date"),
    scalar("StartDateTime", "datetime"),
    scalar("EndDateTime", "datetime"),
    scalar("DurationInMinutes", "int"),
    text("Description", 32000, "textarea"),
    text("Location", 255),
    scalar("IsAllDayEvent", "boolean", nillable=False, defaulted_on_create=True),
    picklist("EventSubtype", ("Event",), updateable=False, restricted=True),
    picklist("ShowAs", ("Busy", "OutOfOffice", "Free"), "Busy"),
    reference("WhoId", "Contact", "Lead"),
    reference("WhatId", *ACTIVITY_LINKS),
    _owner(),
    read_only("CreatedDate", "datetime"),
    _external_id(),
)

CASE = (
    _id(),
    read_only("CaseNumber", "string", 30),
    text("Subject", 255),
    text("Description", 32000, "textarea"),
    _status("Status", ("New", "Working", "Escalated", "Closed"), "New"),
    picklist("Priority", ("High", "Medium", "Low"), "Medium", defaulted_on_create=True),
    picklist("Origin", ("Phone", "Email", "Web")),
    picklist("Type", ("Mechanical", "Electrical", "Electronic", "Structural", "Other")),
    reference("ContactId", "Contact"),
    reference("AccountId", "Account"),
    _owner(),
    scalar("IsEscalated", "boolean", nillable=False, defaulted_on_create=True),
    read_only("IsClosed", "boolean"),
    read_only("ClosedDate", "datetime"),
    read_only("CreatedDate", "datetime"),
    text("SuppliedEmail", 80, "email"),
    text("SuppliedPhone", 40),
)

CASE_COMMENT = (
    _id(),
    reference("ParentId", "Case", updateable=False, nillable=False),
    text("CommentBody", 4000, "textarea"),
    scalar("IsPublished", "boolean", nillable=False, defaulted_on_create=True),
    read_only("IsDeleted", "boolean"),
    read_only("CreatedDate", "datetime"),
)

CONTACT = (
    _id(),
    text("FirstName", 40),
    text("LastName", 80, nillable=False),
    read_only("Name", "string", 121),
    text("Email", 80, "email"),
    text("Phone", 40, "phone"),
    text("MobilePhone", 40, "phone"),
    text("Title", 128),
    reference("AccountId", "Account"),
    _owner(),
    read_only("CreatedDate", "datetime"),
)


def _audit() -> tuple[FieldSpec, ...]:
    return (read_only("LastModifiedDate", "datetime"), read_only("SystemModstamp", "datetime"))


ACCOUNT = (
    _id(),
    text("Name", 255, nillable=False),
    text("Phone", 40, "phone"),
    text("Website", 255, "url"),
    picklist("Type", ("Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other")),
    _owner(),
    read_only("CreatedDate", "datetime"),
    *_audit(),
    scalar("Callsight_Customer_Since__c", "date"),
    scalar("Callsight_Churned_At__c", "date"),
    scalar("Callsight_Health_Score__c", "double", precision=3, scale=0),
    text("Callsight_Risk_Reason__c", 255),
)

USER = (
    _id(),
    text("Username", 80, nillable=False),
    text("Email", 128, "email", nillable=False),
    text("FirstName", 40),
    text("LastName", 80, nillable=False),
    read_only("Name", "string", 121),
    scalar("IsActive", "boolean", nillable=False, defaulted_on_create=True),
    read_only("CreatedDate", "datetime"),
)

OPPORTUNITY = (
    _id(),
    text("Name", 120, nillable=False),
    reference("AccountId", "Account"),
    picklist(
        "StageName",
        (
            "Prospecting",
            "Qualification",
            "Needs Analysis",
            "Value Proposition",
            "Id. Decision Makers",
            "Perception Analysis",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
            "Closed Lost",
        ),
        nillable=False,
        restricted=True,
    ),
    scalar("Amount", "currency"),
    scalar("CloseDate", "date", nillable=False),
    text("NextStep", 255),
    text("Description", 32000, "textarea"),
    scalar("Probability", "percent"),
    _owner(),
    read_only("IsClosed", "boolean"),
    read_only("IsWon", "boolean"),
    read_only("CreatedDate", "datetime"),
    *_audit(),
)

STANDARD_OBJECTS: dict[str, tuple[FieldSpec, ...]] = {
    "Task": TASK,
    "Event": EVENT,
    "Case": CASE,
    "CaseComment": CASE_COMMENT,
    "Contact": CONTACT,
    "Account": ACCOUNT,
    "User": USER,
    "Opportunity": OPPORTUNITY,
}


def new_schema() -> dict[str, dict[str, FieldSpec]]:
    """A fresh copy of the standard objects, for one org to change as an admin would."""
    return {sobject: {f.name: f for f in fields} for sobject, fields in STANDARD_OBJECTS.items()}


def with_picklist(spec: FieldSpec, values: tuple[str, ...], default: str | None) -> FieldSpec:
    return dataclasses.replace(spec, picklist=values, default_value=default)


def describe(sobject: str, fields: dict[str, FieldSpec]) -> dict[str, Any]:
    """The answer to ``GET /sobjects/{sobject}/describe``, the parts Callsight reads."""
    return {
        "name": sobject,
        "label": sobject,
        "createable": True,
        "updateable": True,
        "queryable": True,
        "fields": [spec.describe() for spec in fields.values()],
    }
