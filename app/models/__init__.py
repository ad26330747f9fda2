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
from app.models.live import (
    LiveAttendance,
    LiveCommitment,
    LiveJoin,
    LiveParticipant,
    LiveSession,
    LiveVote,
)

__all__ = [
    "Assignment",
    "AttemptAnswer",
    "AuditEvent",
    "Certificate",
    "Completion",
    "Department",
    "LessonProgress",
    "LiveAttendance",
    "LiveCommitment",
    "LiveJoin",
    "LiveParticipant",
    "LiveSession",
    "LiveVote",
    "LoginFailure",
    "LoginSession",
    "QuizAttempt",
    "Reflection",
    "Role",
    "User",
]
