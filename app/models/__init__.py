"""All table classes; importing this package registers them on SQLModel.metadata."""

from app.models.api import ApiIdempotency, ApiRateWindow, RemovedAssignment
from app.models.content import ContentRelease, ModuleReopen, ReleasedModule
from app.models.core import (
    Assignment,
    AttemptAnswer,
    AuditEvent,
    Certificate,
    Completion,
    Department,
    DrawnScenario,
    KeptForm,
    LessonProgress,
    LoginFailure,
    LoginSession,
    LoginThrottle,
    ProxySighting,
    QuizAttempt,
    QuizDraw,
    Reflection,
    Role,
    User,
)
from app.models.events import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.factor import PendingSignIn, RecoveryCode, SecondFactor
from app.models.hr import (
    ApiKey,
    AssignmentRule,
    DigestSent,
    ImportBatch,
    Invite,
    ReminderSent,
)
from app.models.lasting import (
    CheckInBlock,
    CheckInCount,
    CheckInMember,
    Commitment,
    CommitmentCheckIn,
    NudgePreference,
    NudgeSent,
)
from app.models.live import (
    LiveAttendance,
    LiveCommitment,
    LiveJoin,
    LiveParticipant,
    LiveSession,
    LiveVote,
)
from app.models.live_answers import LiveAnswer, LiveAnswerQuota, LivePrompt
from app.models.live_plan import LivePlan, LivePlanInvitee
from app.models.mail import MailText, ReminderSchedule
from app.models.measures import MeasureBlock, MeasureMember, MeasureResponse
from app.models.org import OrgLogo, OrgSetting
from app.models.outbox import OutboxMessage
from app.models.recert import RecertCycle, RecertPolicy, RecertReminder
from app.models.refresher import (
    RefresherAnswer,
    RefresherBlock,
    RefresherLinkUse,
    RefresherMember,
)
from app.models.release import (
    LiveRelease,
    ReleaseBlock,
    ReleasedScore,
    ReleaseMember,
    ReleaseScan,
)
from app.models.sso import SsoIdentity, SsoPending
from app.models.stored import row_id
from app.models.team import ManagerDigest, PrivacyNotice

__all__ = [
    "ApiIdempotency",
    "ApiKey",
    "ApiRateWindow",
    "Assignment",
    "AssignmentRule",
    "AttemptAnswer",
    "AuditEvent",
    "Certificate",
    "Completion",
    "ContentRelease",
    "Department",
    "DigestSent",
    "DrawnScenario",
    "Event",
    "ImportBatch",
    "Invite",
    "KeptForm",
    "LessonProgress",
    "LiveAnswer",
    "LiveAnswerQuota",
    "LiveAttendance",
    "LiveCommitment",
    "LiveJoin",
    "LiveParticipant",
    "LivePlan",
    "LivePlanInvitee",
    "LivePrompt",
    "LiveRelease",
    "LiveSession",
    "LiveVote",
    "LoginFailure",
    "LoginSession",
    "LoginThrottle",
    "MailText",
    "ManagerDigest",
    "MeasureBlock",
    "MeasureMember",
    "MeasureResponse",
    "ModuleReopen",
    "OrgLogo",
    "OrgSetting",
    "OutboxMessage",
    "PendingSignIn",
    "PrivacyNotice",
    "ProxySighting",
    "QuizAttempt",
    "QuizDraw",
    "RecertCycle",
    "RecertPolicy",
    "RecertReminder",
    "RecoveryCode",
    "Reflection",
    "RefresherAnswer",
    "RefresherBlock",
    "RefresherLinkUse",
    "RefresherMember",
    "ReleaseBlock",
    "ReleaseMember",
    "ReleaseScan",
    "ReleasedModule",
    "ReleasedScore",
    "ReminderSchedule",
    "ReminderSent",
    "RemovedAssignment",
    "Role",
    "SecondFactor",
    "SsoIdentity",
    "SsoPending",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "row_id",
]
__all__ += [  # issue 21: learning that lasts
    "CheckInBlock",
    "CheckInCount",
    "CheckInMember",
    "Commitment",
    "CommitmentCheckIn",
    "NudgePreference",
    "NudgeSent",
]
