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

__all__ = [
    "Assignment",
    "AttemptAnswer",
    "AuditEvent",
    "Certificate",
    "Completion",
    "Department",
    "LessonProgress",
    "LoginFailure",
    "LoginSession",
    "QuizAttempt",
    "Reflection",
    "Role",
    "User",
]
