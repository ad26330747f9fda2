"""All table classes; importing this package registers them on SQLModel.metadata."""

from app.models.core import (
    Assignment,
    AttemptAnswer,
    AuditEvent,
    Certificate,
    Completion,
    Department,
    LessonProgress,
    LoginFailure,
    LoginSession,
    QuizAttempt,
    Reflection,
    Role,
    User,
)
from app.models.hr import (
    ApiKey,
    AssignmentRule,
    DigestSent,
    ImportBatch,
    Invite,
    ReminderSent,
)
from app.models.live import (
    LiveAttendance,
    LiveCommitment,
    LiveJoin,
    LiveParticipant,
    LiveSession,
    LiveVote,
)
from app.models.outbox import OutboxMessage

__all__ = [
    "ApiKey",
    "Assignment",
    "AssignmentRule",
    "AttemptAnswer",
    "AuditEvent",
    "Certificate",
    "Completion",
    "Department",
    "DigestSent",
    "ImportBatch",
    "Invite",
    "LessonProgress",
    "LiveAttendance",
    "LiveCommitment",
    "LiveJoin",
    "LiveParticipant",
    "LiveSession",
    "LiveVote",
    "LoginFailure",
    "LoginSession",
    "OutboxMessage",
    "QuizAttempt",
    "Reflection",
    "ReminderSent",
    "Role",
    "User",
]
