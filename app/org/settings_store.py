"""The organisation's settings: one database row per changed key over ALLYSHIP_ defaults.

Read on every page view (one small SELECT), never kept in a process: with several workers on
one database, a change shows on the next page any worker serves.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ConfigDict
from sqlmodel import Session

from app.audit import record
from app.clock import utcnow
from app.config import OrgFields, Settings, get_settings, named
from app.db.raw import RawQuery, Source, fetch_all
from app.db.sql import conflict_insert, lock_for_transaction
from app.errors import Invalid
from app.mail import stored_texts
from app.models import OrgSetting

LOCK_KEY = 0x0A6_5E7  # one settings save at a time (app/db/sql.py lock_for_transaction)
LOGO_KEY = "logo_sha256"  # kept with the other keys so a page reads everything in one SELECT
_READ = RawQuery.of("SELECT key, value FROM orgsetting")


class OrgSettings(OrgFields):
    """Everything an admin sets on /admin/settings (the fields of app/config.py OrgFields),
    and the logo's hash; "" when unset and without a default."""

    model_config = ConfigDict(frozen=True)

    logo_sha256: str = ""  # "" when there is no logo; else /org/logo?v=<first 12>

    @property
    def logo_version(self) -> str:
        return self.logo_sha256[:12]

    @property
    def header_name(self) -> str:
        """The name for the page header; "" while none has been set."""
        return named(self.organisation_name)


FIELDS = tuple(OrgFields.model_fields)
LABELS = {name: str(field.title) for name, field in OrgFields.model_fields.items()}


def defaults(settings: Settings) -> OrgSettings:
    """The ALLYSHIP_ environment values (app/config.py) a setting shows until it is saved."""
    return OrgSettings(**{name: str(getattr(settings, name) or "") for name in FIELDS})


# The rows last read and what they made: the rows are read on every page, but they change
# only when an admin saves, and building the model from them cost more than the SELECT
# (bench/NOTES.md). The rows are still read every time, so a save shows on the next page.
_last: tuple[tuple[object, ...], list[tuple[str, str]], OrgSettings] | None = None


def org_settings(source: Source, settings: Settings | None = None) -> OrgSettings:
    """The settings as stored now, over the environment's defaults; a name that is still
    the former placeholder reads as unset ("")."""
    global _last
    settings = settings or get_settings()
    rows = [(key, value) for key, value in fetch_all(source, _READ, {})]
    environment = tuple([getattr(settings, name) for name in FIELDS])
    last = _last
    if last is not None and last[1] == rows and last[0] == environment:
        return last[2]  # frozen: the same rows over the same defaults make the same settings
    found = _org_settings(rows, settings)
    _last = (environment, rows, found)
    return found


def _org_settings(rows: list[tuple[str, str]], settings: Settings) -> OrgSettings:
    stored = dict(rows)
    known = {k: v for k, v in stored.items() if k in FIELDS or k == LOGO_KEY}
    found = defaults(settings).model_copy(update=known)
    if found.organisation_name and not named(found.organisation_name):
        return found.model_copy(update={"organisation_name": ""})
    return found


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


class EditedMeanwhile(Invalid):
    """Another admin saved a field this form also changed; `fields` maps each to a message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Another admin changed some of these settings while you were editing.")
        self.problems = problems


def save_settings(
    session: Session,
    *,
    actor_id: int,
    submitted: dict[str, str],
    was: dict[str, str],
    settings: Settings,
) -> list[Change]:
    """Store each field this form changed (submitted differs from what the form showed).

    Fields the form left as they were are not written, so two admins saving different
    fields at once keep both. A field changed here and by someone else since the form was
    shown is refused, naming the value it has now. Audited with old and new values.
    """
    lock_for_transaction(session, LOCK_KEY)
    now = org_settings(session, settings)
    wanted = {k: v for k, v in submitted.items() if k in FIELDS and v != was.get(k, v)}
    clashes = {
        key: f"Another admin changed this to “{getattr(now, key) or '(empty)'}” while you "
        "were editing. Check it and save again."
        for key, value in wanted.items()
        if getattr(now, key) != was.get(key) and getattr(now, key) != value
    }
    if clashes:
        raise EditedMeanwhile(clashes)
    changes = [Change(k, getattr(now, k), v) for k, v in wanted.items() if getattr(now, k) != v]
    for change in changes:
        put(session, change.field, change.new, actor_id)
        record(
            session,
            actor_id=actor_id,
            action="org.setting",
            target=change.field,
            old=change.old,
            new=change.new,
        )
    session.commit()
    return changes


def put(session: Session, key: str, value: str, actor_id: int) -> None:
    """Insert or replace one key's row."""
    stored_texts.forget(session)  # e-mails composed later in this session see the new name
    row = {"key": key, "value": value, "updated_at": utcnow(), "updated_by": actor_id}
    statement = conflict_insert(session, OrgSetting).values(**row)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={"value": value, "updated_at": row["updated_at"], "updated_by": actor_id},
        )
    )
