"""Settings read from the environment (prefix ALLYSHIP_), one object per process."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "change-me-development-only-secret"
DATABASE_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})
ENV_PREFIX = "ALLYSHIP_"


class OrgFields(BaseModel):
    """The organisation's settings, written once: an admin changes them on /admin/settings
    (app/org's OrgSettings holds what is in force), and until then `Settings` reads each
    one's default from its ALLYSHIP_ variable. A title is the field's label on that page."""

    organisation_name: str = Field(default="", title="Organisation name")
    accent_colour: str = Field(default="", title="Accent colour, light theme")
    accent_colour_dark: str = Field(default="", title="Accent colour, dark theme")
    harassment_policy_url: str = Field(default="", title="Harassment policy (link)")
    equality_policy_url: str = Field(default="", title="Equality policy (link)")
    who_to_talk_to: str = Field(default="", title="Who to talk to")
    employee_network_contact: str = Field(default="", title="Employee network contact")
    mentoring_programme_contact: str = Field(default="", title="Mentoring programme contact")
    external_reporting_line: str = Field(default="", title="External reporting line (optional)")
    support_line: str = Field(default="", title="Support line")
    # An IANA zone such as Europe/London: planned group sessions are entered and shown in it.
    time_zone: str = Field(default="UTC", title="Time zone")


# Earlier versions shipped this as the name's default, and the settings form saved it as if
# an admin had typed it: it means "not set" wherever it is found.
FORMER_PLACEHOLDER_NAME = "Your organisation"


def named(name: str) -> str:
    """The organisation's name on one line, or "" while none has been set (see above)."""
    name = " ".join(name.split())
    return "" if name == FORMER_PLACEHOLDER_NAME else name


class Settings(OrgFields, BaseSettings):
    """Everything an operator can set; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    environment: str = "development"
    debug: bool = False
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'allyship.db'}"
    secret_key: str = DEFAULT_SECRET
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    base_url: str = ""
    content_dir: Path = PROJECT_ROOT
    https: bool = False
    course_title: str = "Allies in Practice"

    session_idle_minutes: int = 120
    session_absolute_hours: int = 12
    # Sign-in throttling (app/auth/throttle.py has the threat model): growing waits, no lock-out.
    login_free_tries: int = 3
    login_longest_wait_seconds: int = 30
    login_account_pressure: int = 10
    login_address_pressure: int = 30
    login_window_minutes: int = 15
    # Tests only: HR and admin accounts may sign in without enrolling a second factor.
    # Refused unless ALLYSHIP_ENVIRONMENT is "test" (see _second_factor_exemption_is_for_tests).
    second_factor_exempt_for_tests: bool = False
    # Proxies whose X-Forwarded-For/-Proto uvicorn believes (IPs or networks, comma-separated;
    # empty: none). `allyship serve` passes it as --proxy-headers --forwarded-allow-ips.
    trusted_proxies: str = "127.0.0.1"

    default_due_days: int = 30
    # API v1: requests per key per minute, counted in the database (every worker shares it).
    api_rate_per_minute: int = 600
    # A quiz attempt that would mostly repeat scenarios already asked (the pool used up) opens
    # this long after the learner's last attempt (app/learning/retakes.py); 0 turns it off.
    retake_wait_hours: float = 24
    # A write the SQLite writer thread has not confirmed by then answers 503 with nothing
    # written (app/db/group_commit.py): a request never hangs on a stuck disk.
    write_deadline_seconds: float = Field(default=10.0, gt=0, le=300)
    # PostgreSQL: connections each worker keeps open, and never more (app/db/engine.py).
    database_pool_size: int = Field(default=20, ge=1, le=500)
    password_reset_minutes: int = 60
    invite_valid_days: int = 14
    reminder_weekly_cap: int = 4
    reminder_manager_digest: bool = False
    live_session_counts_for_lesson: bool = True
    # Open event streams of live rooms one worker serves (each an open socket); more get 503.
    live_streams_per_worker: int = Field(default=500, ge=1)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_from: str = "Allies in Practice <no-reply@localhost>"
    smtp_timeout_seconds: float = 10.0
    # The background sender in each server process (app.mail.outbox_sender); `allyship send-mail`
    # drains the same outbox from cron where it is turned off.
    outbox_sender: bool = True
    outbox_poll_seconds: float = 2.0
    outbox_max_attempts: int = 8
    outbox_retry_seconds: float = 60.0
    # Webhooks (app.events.sender): each server process delivers them in the background.
    webhook_sender: bool = True
    webhook_poll_seconds: float = 2.0
    webhook_timeout_seconds: float = 10.0
    webhook_retry_seconds: float = 30.0
    webhook_max_attempts: int = 12
    webhook_disable_after_days: int = 5
    # Loopback and private addresses are refused (SSRF); tests and a lab turn this on.
    webhook_allow_private_addresses: bool = False

    # Single sign-on (OpenID Connect) defaults until an admin saves /admin/sso (app/auth/sso_config.py).
    sso_enabled: bool = False
    sso_issuer: str = ""
    sso_client_id: str = ""
    sso_client_secret: str = ""
    sso_scopes: str = "openid email profile"
    sso_email_claim: str = "email"
    sso_name_claim: str = "name"
    sso_external_id_claim: str = ""
    sso_allowed_domains: str = ""
    sso_group_claim: str = ""
    sso_hr_groups: str = ""
    sso_facilitator_groups: str = ""
    sso_create_accounts: bool = False
    sso_default_department: str = ""
    sso_only: bool = False
    sso_break_glass_email: str = ""
    # The issuer and the provider's endpoints must be public https:// addresses (SSRF); the
    # test provider on loopback (tests/oidc_provider) and a lab turn this on.
    sso_allow_private_issuer: bool = False

    @field_validator("database_url")
    @classmethod
    def _sqlite_or_postgresql(cls, url: str) -> str:
        # Anything else fails later, deep in SQLAlchemy or Alembic, with a traceback.
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            drivername = make_url(url).drivername
        except (ArgumentError, ValueError):
            drivername = ""
        if drivername not in DATABASE_DRIVERS:
            raise ValueError(
                "not a SQLite (sqlite:///path/to/file.db) or PostgreSQL "
                "(postgresql+psycopg://user:pass@host/db) URL"
            )
        return url

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "ALLYSHIP_SECRET_KEY is still the development default; "
                "set it to a long random value before running in production"
            )
        return self

    @model_validator(mode="after")
    def _second_factor_exemption_is_for_tests(self) -> Settings:
        if self.second_factor_exempt_for_tests and self.environment != "test":
            raise ValueError(
                "ALLYSHIP_SECOND_FACTOR_EXEMPT_FOR_TESTS is for the test suite only "
                '(environment "test"); HR and admin accounts need a second factor'
            )
        return self

    @model_validator(mode="after")
    def _require_base_url_in_production(self) -> Settings:
        # Join links, QR codes and e-mails must never follow the request's Host header.
        if self.environment == "production" and not self.base_url.strip():
            raise ValueError(
                "ALLYSHIP_BASE_URL is not set; in production set it to the address people "
                "open, such as https://learn.example.org (join links and QR codes use it)"
            )
        if self.base_url.strip() and not self.base_url.startswith(("https://", "http://")):
            raise ValueError(
                "ALLYSHIP_BASE_URL must start with https:// or http://, "
                "such as https://learn.example.org"
            )
        return self

    @property
    def public_url(self) -> str:
        """ALLYSHIP_BASE_URL; in development, the address `allyship serve` listens on."""
        if self.base_url.strip():
            return self.base_url.strip().rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_problems(error: ValidationError) -> list[str]:
    """One line per bad setting: its variable, what it must be, and what it was set to."""
    lines = []
    for problem in error.errors(include_url=False):
        message = problem["msg"].removeprefix("Value error, ")
        if not problem["loc"]:  # a rule across settings names its variables itself
            lines.append(f"{message.rstrip('.')}.")
            continue
        field = str(problem["loc"][0])
        allowed = _allowed(field) or message.replace("Input should be", "must be")
        shown = problem["input"]
        if field == "database_url" and isinstance(shown, str):
            shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", shown)  # as make_url masks it
        lines.append(f"{ENV_PREFIX}{field.upper()}: {allowed} (got {shown!r}).")
    return lines


def _allowed(field: str) -> str:
    """What a number or yes/no setting must be, such as "must be a whole number from 1 to
    500" ("" for other settings: pydantic's own message says it)."""
    info = Settings.model_fields.get(field)
    if info is not None and info.annotation is bool:
        return "must be true or false"
    if info is None or info.annotation not in (int, float):
        return ""
    bound = {
        name: getattr(m, name)
        for m in info.metadata
        for name in ("ge", "gt", "le", "lt")
        if hasattr(m, name)
    }
    low = (
        f"from {bound['ge']}" if "ge" in bound else f"above {bound['gt']}" if "gt" in bound else ""
    )
    high = f"to {bound['le']}" if "le" in bound else f"below {bound['lt']}" if "lt" in bound else ""
    if low.startswith("from") and not high:
        low = f"of at least {bound['ge']}"
    if high and not low.startswith("from"):
        high = f"at most {bound['le']}" if "le" in bound else high
        high = f"and {high}" if low else high
    kind = "a whole number" if info.annotation is int else "a number"
    return " ".join(part for part in ("must be", kind, low, high) if part)
