"""Request and response bodies of API v1 (they are the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.config import JsonDict

from app.models import Role
from app.web.inputs import ApiTime, NulFreeStr, OneLineStr

# Whole examples, one per schema (tests/api/test_spec.py checks each validates against it).
MODULE_EXAMPLE: JsonDict = {
    "id": "why-allies-matter",
    "title": "Why allies matter",
    "order": 0,
    "minutes": 20,
    "pass_mark": 80,
    "scenarios": 5,
}
ASSIGNMENT_EXAMPLE: JsonDict = {
    "module_id": "why-allies-matter",
    "assigned_at": "2026-11-02T09:00:00Z",
    "due_at": "2026-12-31T23:59:59Z",
    "status": "complete",
    "overdue": False,
    "completed_at": "2026-11-20T14:05:12Z",
    "attempts": 2,
    "best_score": 90,
}
RECERT_EXAMPLE: JsonDict = {
    "status": "current",
    "valid_until": "2027-11-20",
    "cycle": 1,
    "validity_months": 12,
}
PERSON_FIELDS_EXAMPLE: JsonDict = {
    "email": "ana@example.com",
    "name": "Ana Example",
    "department": "Sales",
    "manager_email": "bo@example.com",
    "manager_external_id": "E1001",
    "role": "learner",
    "active": True,
}
PERSON_EXAMPLE: JsonDict = PERSON_FIELDS_EXAMPLE | {
    "external_id": "E1042",
    "assignments": [ASSIGNMENT_EXAMPLE],
    "recertification": RECERT_EXAMPLE,
}
PERSON_ITEM_EXAMPLE: JsonDict = PERSON_FIELDS_EXAMPLE | {
    "external_id": "E1042",
    "updated_at": "2026-11-20T14:05:12Z",
}
PERSON_IN_EXAMPLE: JsonDict = {
    "email": "ana@example.com",
    "name": "Ana Example",
    "department": "Sales",
    "manager_external_id": "E1001",
    "role": "learner",
    "active": True,
}
PEOPLE_BATCH_EXAMPLE: JsonDict = {
    "people": [
        {"external_id": "E1001", "email": "bo@example.com", "name": "Bo Example"},
        PERSON_IN_EXAMPLE | {"external_id": "E1042"},
    ]
}
PROGRESS_EXAMPLE: JsonDict = {
    "external_id": "E1042",
    "email": "ana@example.com",
    "module_id": "why-allies-matter",
    "completed_at": "2026-11-20T14:05:12Z",
    "via": "self-paced",
    "best_score": 90,
    "attempts": 2,
    "cycle": 1,
    "valid_until": "2027-11-20",
}
CURSOR_EXAMPLE = "MjAyNi0xMS0yMFQxNDowNToxMiswMDowMHw0Mg=="
PROBLEM_EXAMPLE: JsonDict = {
    "type": "about:blank",
    "title": "Invalid input",
    "status": 422,
    "detail": "email: not a valid e-mail address.",
    "errors": [{"detail": "Not a valid e-mail address.", "pointer": "#/email"}],
}


class ModuleOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [MODULE_EXAMPLE]})

    id: str = Field(examples=["why-allies-matter"])
    title: str
    order: int
    minutes: int = Field(description="Estimated minutes to complete.")
    pass_mark: int = Field(description="Quiz pass mark, percent.")
    scenarios: int = Field(description="Number of quiz scenarios.")


AssignmentStatus = Literal["not started", "in progress", "complete"]
BULK_PEOPLE_MAX = 1000
BULK_MODULES_MAX = 50


class AssignmentOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ASSIGNMENT_EXAMPLE]})

    module_id: str = Field(examples=["why-allies-matter"])
    assigned_at: datetime
    due_at: datetime = Field(description="The end of the due day, UTC.")
    status: AssignmentStatus = Field(description="In the person's current recertification cycle.")
    overdue: bool
    completed_at: datetime | None
    attempts: int
    best_score: int | None = Field(description="Best quiz score, percent.")


class RecertOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [RECERT_EXAMPLE]})

    status: Literal["current", "expiring", "expired", "not-done"] | None = Field(
        description="current, expiring (within 60 days, or a third of the period if shorter), expired or not-done; null with no assignment."
    )
    valid_until: date | None = Field(description="The day the oldest completion expires.")
    cycle: int = Field(description="The current recertification cycle (1 for the first).")
    validity_months: int | None = Field(description="The organisation's period; null: no expiry.")


class PersonFields(BaseModel):
    """What every view of a person shows."""

    email: str
    name: str
    department: str | None
    manager_email: str | None
    manager_external_id: str | None
    role: Role
    active: bool


class PersonOut(PersonFields):
    model_config = ConfigDict(json_schema_extra={"examples": [PERSON_EXAMPLE]})

    external_id: str
    assignments: list[AssignmentOut]
    recertification: RecertOut


class PersonIn(BaseModel):
    """A person as the HR system knows them; omitted optional fields are left unchanged."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [PERSON_IN_EXAMPLE]},
    )

    email: NulFreeStr = Field(max_length=320, examples=["ana@example.com"])
    name: OneLineStr = Field(min_length=1, max_length=200, examples=["Ana Example"])
    department: OneLineStr | None = Field(default=None, max_length=200)
    manager_email: NulFreeStr | None = Field(
        default=None,
        max_length=320,
        description="The manager by e-mail; or use manager_external_id (not both).",
    )
    manager_external_id: NulFreeStr | None = Field(
        default=None, max_length=200, examples=["E1001"], description="The manager by external id."
    )
    role: Role | None = Field(
        default=None, description="learner or facilitator; omitted: unchanged."
    )
    active: StrictBool | None = Field(
        default=None,
        description="false deactivates a leaver (history kept); only an explicit true "
        "re-activates. Omitted: unchanged.",
    )


class ProgressItem(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PROGRESS_EXAMPLE]})

    external_id: str | None
    email: str
    module_id: str
    completed_at: datetime
    via: str
    best_score: int | None
    attempts: int
    cycle: int = Field(description="The recertification cycle this completion belongs to.")
    valid_until: date | None = Field(description="When this completion expires; null: never.")


class ProgressPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [PROGRESS_EXAMPLE], "next_cursor": CURSOR_EXAMPLE}]
        }
    )

    items: list[ProgressItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


BATCH_MAX = 500


class BatchPersonIn(PersonIn):
    """One person of a batch: the person's fields and their external id."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [PERSON_IN_EXAMPLE | {"external_id": "E1042"}]}
    )

    external_id: NulFreeStr = Field(min_length=1, max_length=200, examples=["E1042"])


class PeopleBatchIn(BaseModel):
    """Many people at once; managers may be named by external id in any order."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [PEOPLE_BATCH_EXAMPLE]}
    )

    people: list[BatchPersonIn] = Field(min_length=1, max_length=BATCH_MAX)


class BatchResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"external_id": "E1042", "created": True}]}
    )

    external_id: str
    created: bool


class PeopleBatchOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "created": 1,
                    "updated": 1,
                    "people": [
                        {"external_id": "E1001", "created": False},
                        {"external_id": "E1042", "created": True},
                    ],
                }
            ]
        }
    )

    created: int
    updated: int
    people: list[BatchResult]


class PersonItem(PersonFields):
    model_config = ConfigDict(json_schema_extra={"examples": [PERSON_ITEM_EXAMPLE]})

    external_id: str | None = Field(description="null for accounts made in the app.")
    updated_at: datetime


class PeoplePage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [PERSON_ITEM_EXAMPLE], "next_cursor": CURSOR_EXAMPLE}]
        }
    )

    items: list[PersonItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class DepartmentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": 3, "name": "Sales", "people": 42}]}
    )

    id: int
    name: str = Field(examples=["Sales"])
    people: int = Field(description="Active people in the department.")


class AssignmentIn(BaseModel):
    """One module for one person."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"due_at": "2027-01-31T23:59:59Z"}]}
    )

    due_at: ApiTime | None = Field(
        default=None,
        examples=["2027-01-31T23:59:59Z"],
        description="Due by the end of this day (UTC), today or later; omitted: the "
        "organisation's default period.",
    )


class BulkAssignIn(BaseModel):
    """Modules for many people at once; send an Idempotency-Key header to retry safely."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_ids": ["E1001", "E1042"],
                    "module_ids": ["why-allies-matter"],
                    "due_at": "2027-01-31T23:59:59Z",
                }
            ]
        },
    )

    external_ids: list[NulFreeStr] = Field(
        min_length=1, max_length=BULK_PEOPLE_MAX, examples=[["E1001", "E1002"]]
    )
    module_ids: list[NulFreeStr] = Field(
        min_length=1, max_length=BULK_MODULES_MAX, examples=[["why-allies-matter"]]
    )
    due_at: ApiTime | None = Field(default=None, examples=["2027-01-31T23:59:59Z"])


class BulkAssignOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "people": 2,
                    "created": 1,
                    "already": 1,
                    "cycles": 0,
                    "due_at": "2027-01-31T23:59:59Z",
                }
            ]
        }
    )

    people: int = Field(description="People the modules were assigned to.")
    created: int = Field(description="New assignments.")
    already: int = Field(description="Assignments that existed already (left as they were).")
    cycles: int = Field(description="People who had finished and start a new cycle.")
    due_at: datetime


class BulkUnassignIn(BaseModel):
    """Modules to take away from many people at once; send an Idempotency-Key header."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"external_ids": ["E1001", "E1042"], "module_ids": ["why-allies-matter"]}]
        },
    )

    external_ids: list[NulFreeStr] = Field(
        min_length=1, max_length=BULK_PEOPLE_MAX, examples=[["E1001", "E1002"]]
    )
    module_ids: list[NulFreeStr] = Field(
        min_length=1, max_length=BULK_MODULES_MAX, examples=[["why-allies-matter"]]
    )


class BulkUnassignPerson(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "E1001",
                    "removed": ["why-allies-matter"],
                    "not_assigned": [],
                }
            ]
        }
    )

    external_id: str = Field(examples=["E1001"])
    removed: list[str] = Field(
        description="Modules unassigned (their history is kept).", examples=[["why-allies-matter"]]
    )
    not_assigned: list[str] = Field(
        description="Modules the person did not have: skipped, nothing recorded.",
        examples=[["first-steps"]],
    )


class BulkUnassignOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "people": 2,
                    "removed": 1,
                    "not_assigned": 1,
                    "results": [
                        {
                            "external_id": "E1001",
                            "removed": ["why-allies-matter"],
                            "not_assigned": [],
                        },
                        {
                            "external_id": "E1042",
                            "removed": [],
                            "not_assigned": ["why-allies-matter"],
                        },
                    ],
                }
            ]
        }
    )

    people: int = Field(description="People named (each counted once).", examples=[2])
    removed: int = Field(description="Assignments removed.", examples=[1])
    not_assigned: int = Field(
        description="Person and module pairs skipped because it was not assigned.", examples=[1]
    )
    results: list[BulkUnassignPerson] = Field(description="Per person, in the order named.")


class ProblemField(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"detail": "Not a valid e-mail address.", "pointer": "#/email"}]
        }
    )

    detail: str
    pointer: str | None = Field(
        default=None, description="JSON pointer into the body, e.g. #/email.", examples=["#/email"]
    )
    parameter: str | None = Field(
        default=None, description="A query, path or header parameter.", examples=["limit"]
    )


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (sent as application/problem+json)."""

    model_config = ConfigDict(json_schema_extra={"examples": [PROBLEM_EXAMPLE]})

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Not allowed"])
    status: int = Field(examples=[403])
    detail: str = Field(description="What went wrong and what to do, for a person to read.")
    errors: list[ProblemField] | None = Field(
        default=None, description="Each invalid field, where it is and what is wrong."
    )
