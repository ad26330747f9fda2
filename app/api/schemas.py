"""Request and response bodies of API v1 (they are the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models import Role
from app.web.inputs import NulFreeStr, OneLineStr


class ModuleOut(BaseModel):
    id: str = Field(examples=["why-allies-matter"])
    title: str
    order: int
    minutes: int = Field(description="Estimated minutes to complete.")
    pass_mark: int = Field(description="Quiz pass mark, percent.")
    scenarios: int = Field(description="Number of quiz scenarios.")


class AssignmentOut(BaseModel):
    module_id: str
    assigned_at: datetime
    due_at: datetime
    status: str = Field(description="not started, in progress or complete.")
    overdue: bool
    completed_at: datetime | None
    attempts: int
    best_score: int | None = Field(description="Best quiz score, percent.")


class RecertOut(BaseModel):
    status: str | None = Field(
        description="current, expiring (within 60 days, or a third of the period if shorter), expired or not-done; null with no assignment."
    )
    valid_until: date | None = Field(description="The day the oldest completion expires.")
    cycle: int = Field(description="The current recertification cycle (1 for the first).")
    validity_months: int | None = Field(description="The organisation's period; null: no expiry.")


class PersonOut(BaseModel):
    external_id: str
    email: str
    name: str
    department: str | None
    manager_email: str | None
    role: str
    active: bool
    assignments: list[AssignmentOut]
    recertification: RecertOut


class PersonIn(BaseModel):
    """A person as the HR system knows them; omitted optional fields are left unchanged."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: NulFreeStr = Field(max_length=320, examples=["ana@example.com"])
    name: OneLineStr = Field(min_length=1, max_length=200, examples=["Ana Example"])
    department: OneLineStr | None = Field(default=None, max_length=200)
    manager_email: NulFreeStr | None = Field(default=None, max_length=320)
    role: Role | None = None
    active: bool | None = None


class ProgressItem(BaseModel):
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
    items: list[ProgressItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (sent as application/problem+json)."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Not allowed"])
    status: int = Field(examples=[403])
    detail: str = Field(description="What went wrong and what to do, for a person to read.")
