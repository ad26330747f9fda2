"""Single sign-on settings: one `sso.` row per saved key over the ALLYSHIP_SSO_ defaults.

Kept in the organisation's key-value table (read on each use, never cached in a process), so
every worker sees a change at once. The client secret is write-only: it is stored, used to
redeem codes, and never shown or audited by value.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from sqlmodel import Session, col, select

from app.audit import record
from app.clock import utcnow
from app.config import Settings
from app.db import RawQuery, Source, fetch_all
from app.db.sql import conflict_insert, lock_for_transaction
from app.errors import Invalid
from app.models import OrgSetting, Role, User

PREFIX = "sso."
LOCK_KEY = 0x550_C0F
SECRET = "client_secret"
FLAGS = ("enabled", "create_accounts", "only")
_READ = RawQuery.of("SELECT key, value FROM orgsetting WHERE key LIKE 'sso.%'")


@dataclass(frozen=True)
class SsoConfig:
    """What an admin sets on /admin/sso; flags are "1" or ""."""

    enabled: str = ""
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: str = "openid email profile"
    email_claim: str = "email"
    name_claim: str = "name"
    external_id_claim: str = ""
    allowed_domains: str = ""
    group_claim: str = ""
    hr_groups: str = ""
    facilitator_groups: str = ""
    create_accounts: str = ""
    default_department: str = ""
    only: str = ""
    break_glass_email: str = ""

    @property
    def active(self) -> bool:
        """SSO offered on the sign-in page: turned on and complete enough to start a flow."""
        return bool(self.enabled and self.issuer and self.client_id and self.client_secret)

    @property
    def sso_only(self) -> bool:
        return bool(self.active and self.only)

    def words(self, name: str) -> list[str]:
        """A list setting (scopes, domains, groups): split on commas and spaces, no blanks."""
        return [w for w in getattr(self, name).replace(",", " ").split() if w]


FIELDS = tuple(f.name for f in fields(SsoConfig))


def defaults(settings: Settings) -> SsoConfig:
    values = {}
    for name in FIELDS:
        value = getattr(settings, f"sso_{name}")
        values[name] = ("1" if value else "") if isinstance(value, bool) else str(value)
    return SsoConfig(**values)


def read_config(source: Source, settings: Settings) -> SsoConfig:
    """The settings as stored now, over the environment's defaults."""
    stored = {key[len(PREFIX) :]: value for key, value in fetch_all(source, _READ, {})}
    return replace(defaults(settings), **{k: v for k, v in stored.items() if k in FIELDS})


def break_glass_problem(session: Session, email: str) -> str:
    """Why this address cannot be the break-glass admin, or "" when it can."""
    if not email:
        return "Name the break-glass admin before turning on single sign-on only."
    user = session.exec(select(User).where(col(User.email) == email.strip().lower())).first()
    if user is None:
        return f"No account has the address {email}."
    if user.role != Role.admin or not user.active:
        return f"{email} is not an active admin."
    if not user.password_hash:
        return f"{email} has no password yet, so could not sign in while SSO is down."
    return ""


def save_config(
    session: Session, settings: Settings, *, actor_id: int, submitted: dict[str, str]
) -> list[str]:
    """Store the changed settings (a blank secret keeps the stored one); audited by name.

    Refuses "single sign-on only" unless the break-glass admin exists, is an active admin and
    has a password: the mode must never lock every admin out.
    """
    lock_for_transaction(session, LOCK_KEY)
    now = read_config(session, settings)
    wanted = replace(now, **{k: v for k, v in submitted.items() if k in FIELDS})
    if not submitted.get(SECRET):
        wanted = replace(wanted, client_secret=now.client_secret)
    if wanted.only and (problem := break_glass_problem(session, wanted.break_glass_email)):
        raise Invalid(problem)
    changed = [name for name in FIELDS if getattr(wanted, name) != getattr(now, name)]
    for name in changed:
        value = getattr(wanted, name)
        row = {"key": PREFIX + name, "value": value, "updated_at": utcnow(), "updated_by": actor_id}
        statement = conflict_insert(session, OrgSetting).values(**row)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["key"],
                set_={"value": value, "updated_at": row["updated_at"], "updated_by": actor_id},
            )
        )
        shown = {} if name == SECRET else {"old": getattr(now, name), "new": value}
        record(session, actor_id=actor_id, action="sso.setting", target=name, **shown)
    session.commit()
    return changed
