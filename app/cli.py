"""The `allyship` command: serve, database, content checks, users and demo data."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from app.config import get_settings, settings_problems


class DatabaseCheckedGroup(TyperGroup):
    """Any command that fails on the database says in one line what to run (exit status 2),
    and one on bad settings names each with what it must be (one line each, exit status 2).

    Checking after the failure rather than before every command keeps `--help` and the
    commands that need no database working on one that was never migrated.
    """

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context (a private module)
        try:
            return super().invoke(ctx)
        except ValidationError as exc:  # the settings, read by the command's get_settings()
            for line in settings_problems(exc):
                typer.echo(line, err=True)
            raise typer.Exit(2) from exc
        except Exception as exc:
            if not isinstance(exc, _database_errors()):  # ORM or raw SQL
                raise
            from app.db.migrate import not_ready

            if (problem := not_ready(get_settings().database_url)) is None:
                raise
            typer.echo(problem, err=True)
            raise typer.Exit(2) from exc


def _database_errors() -> tuple[type[Exception], ...]:
    """The drivers' errors: psycopg's only once it is loaded, as before that none of its
    errors can have been raised (it is imported only for PostgreSQL: app/db/trace.py)."""
    psycopg = sys.modules.get("psycopg")
    pg: tuple[type[Exception], ...] = (psycopg.Error,) if psycopg is not None else ()
    return (DBAPIError, sqlite3.DatabaseError, *pg)


app = typer.Typer(
    cls=DatabaseCheckedGroup,
    help="Allies in Practice: a self-hosted course on male allyship.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to run again)."""
    from app.db.migrate import UpgradeFailed, migrate

    try:
        typer.echo(migrate(get_settings().database_url))
    except UpgradeFailed as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@app.command()
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    cue_rules: Annotated[
        bool | None,
        typer.Option(
            "--cue-rules/--no-cue-rules",
            help="Enforce every surface-cue rule, or none (default: app/content/cues.py's list).",
        ),
    ] = None,
) -> None:
    """Validate every lesson and quiz; print each problem as path:line: field: message."""
    from app.content.catalog import check_content
    from app.content.cues import ALL_RULES, check_cues, enforced

    content_dir = get_settings().content_dir
    catalog, problems = check_content(content_dir)
    rules = enforced(cue_rules)
    if catalog:
        problems += check_cues(content_dir, rules)
    # Rules not yet enforced are counted, so authors see them coming.
    waiting = len(check_cues(content_dir, ALL_RULES - rules)) if catalog else 0
    if as_json:
        counts = (
            catalog.counts()
            if catalog
            else {"modules": 0, "lessons": 0, "scenarios": 0, "choices": 0, "refreshers": 0}
        )
        summary = {**counts, "errors": [p.as_dict() for p in problems], "cue_warnings": waiting}
        typer.echo(json.dumps(summary, indent=2))
    else:
        for problem in problems:
            typer.echo(str(problem), err=True)
        if waiting:
            typer.echo(
                f"Not enforced yet: {waiting} surface-cue finding(s); "
                "see `python -m app.content.cues`.",
                err=True,
            )
        if not problems and catalog:
            c = catalog.counts()
            typer.echo(
                f"OK: {c['modules']} modules, {c['scenarios']} scenarios, {c['choices']} choices, "
                f"{c['refreshers']} refreshers."
            )
        else:
            typer.echo(f"{len(problems)} problem(s) found.", err=True)
    raise typer.Exit(1 if problems else 0)


@app.command("create-user")
def create_user(
    email: str,
    name: Annotated[str, typer.Option(help="Full name as shown on certificates.")],
    role: Annotated[str, typer.Option(help="learner, facilitator, hr or admin.")] = "learner",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create an account (the password is prompted for, or read with --password-stdin)."""
    from sqlalchemy.exc import IntegrityError

    from app.auth.service import create_user as create
    from app.db import session_for
    from app.models import Role

    if role not in Role.__members__:
        typer.echo(f"Unknown role {role!r}; use one of: {', '.join(Role.__members__)}.", err=True)
        raise typer.Exit(2)
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    with session_for(get_settings().database_url) as session:
        try:
            user = create(session, email=email, name=name, role=role, password=password)
        except ValueError as exc:
            typer.echo(f"Password refused: {exc}", err=True)
            raise typer.Exit(2) from exc
        except IntegrityError as exc:
            typer.echo(f"An account with the email {email} already exists.", err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"Created {user.role} account {user.email}.")


@app.command("reset-second-factor")
def reset_second_factor(email: str) -> None:
    """Remove an account's second factor and end its sign-ins (audited); it enrols again."""
    from app.auth.factor_checks import reset_from_server
    from app.db import session_for
    from app.errors import NotFound

    with session_for(get_settings().database_url) as session:
        try:
            person = reset_from_server(session, email=email)
        except NotFound as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"Reset the second factor of {person.email}; their sign-ins have ended.")


DEMO_SIGN_INS = (
    ("learner@example.com", "a learner"),
    ("manager1@example.com", "a learner who manages a team (/team)"),
    ("hr@example.com", "HR"),
    ("facilitator@example.com", "a facilitator of group sessions"),
    ("admin@example.com", "an admin"),
)


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (exit 0) if there is data.")
    ] = False,
) -> None:
    """Load demo accounts and 60 employees with varied progress (empty database only)."""
    from app.content.catalog import load_catalog
    from app.db import session_for
    from app.demo import DEMO_PASSWORD, DemoRefused, load_demo

    settings = get_settings()
    catalog = load_catalog(settings.content_dir)
    with session_for(settings.database_url) as session:
        try:
            summary = load_demo(session, catalog)
        except DemoRefused as exc:
            typer.echo(str(exc), err=not if_empty)
            raise typer.Exit(0 if if_empty else 1) from exc
    typer.echo(summary)
    typer.echo(f"Demo accounts (password {DEMO_PASSWORD!r}, for the demo only):")
    for email, who in DEMO_SIGN_INS:
        typer.echo(f"  {email:28} {who}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (ALLYSHIP_HOST).")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (ALLYSHIP_PORT).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    proxy_headers: Annotated[
        bool, typer.Option(help="Believe X-Forwarded-For/-Proto from --forwarded-allow-ips.")
    ] = True,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(help="Trusted proxies, comma-separated (ALLYSHIP_TRUSTED_PROXIES)."),
    ] = None,
) -> None:
    """Serve the app with uvicorn (uvloop and httptools)."""
    import uvicorn

    from app.db.migrate import not_ready

    settings = get_settings()
    if problem := not_ready(settings.database_url):
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    host, port = host or settings.host, port or settings.port
    # The app (in each worker) reads its settings from the environment: tell it where it is
    # served, so development join links and QR codes point at this port.
    os.environ["ALLYSHIP_HOST"], os.environ["ALLYSHIP_PORT"] = host, str(port)
    get_settings.cache_clear()
    trusted = (
        settings.trusted_proxies if forwarded_allow_ips is None else forwarded_allow_ips
    ).strip()
    typer.echo(
        f"Allies in Practice on http://{host}:{port} ({workers} worker(s)). Ctrl+C stops it."
    )
    uvicorn.run(
        "app.served:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        # --proxy-headers --forwarded-allow-ips: the client address sign-in throttling sees.
        proxy_headers=proxy_headers and bool(trusted),
        forwarded_allow_ips=trusted or "127.0.0.1",
        log_level="info",
        access_log=False,
    )


@app.command()
def backup(destination: Path) -> None:
    """Take a consistent copy of the live SQLite database and check its integrity."""
    from app.ops.backup import BackupError
    from app.ops.backup import backup as take_backup

    try:
        size = take_backup(get_settings().database_url, destination)
    except BackupError as exc:
        typer.echo(f"Backup failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Backed up to {destination} ({size:,} bytes); integrity check ok.")


@app.command()
def restore(
    backup_file: Path,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database with a backup (stop the server first)."""
    from app.ops.backup import BackupError
    from app.ops.backup import restore as restore_backup

    if not yes:
        typer.confirm("This replaces everything in the current database. Continue?", abort=True)
    try:
        restore_backup(backup_file, get_settings().database_url)
    except BackupError as exc:
        typer.echo(f"Restore failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Restored from {backup_file}; integrity check ok. Run `allyship db upgrade` next.")


@app.command("check-deploy")
def check_deploy(
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes you will run, on all hosts together: on PostgreSQL, check "
            "that their connections fit max_connections (leave out behind PgBouncer).",
        ),
    ] = None,
) -> None:
    """Report settings that are unsafe in production (exit 1 if any)."""
    from app.ops.deploy_check import database_problems, deploy_problems

    settings = get_settings()
    problems = deploy_problems(settings) + database_problems(settings, workers=workers)
    for problem in problems:
        typer.echo(f"- {problem}")
    typer.echo("Deployment settings look safe." if not problems else f"{len(problems)} problem(s).")
    raise typer.Exit(1 if problems else 0)


@app.command("import-users")
def import_users(
    file: Path,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
    leavers: Annotated[
        bool, typer.Option("--leavers", help="Deactivate active people missing from the file.")
    ] = False,
) -> None:
    """Import people from an HR system's CSV: preview, then apply all rows or none."""
    from app.db import session_for
    from app.hr import importing
    from app.hr.csvfile import FileTooLarge, NotACsv, parse
    from app.hr.import_plan import build_plan
    from app.hr.managers import serialize_manager_changes
    from app.hr.report_text import plan_lines

    settings = get_settings()
    try:
        table = parse(file.read_bytes(), str(file))  # the path as given: which people.csv
    except OSError as exc:
        typer.echo(f"{file}: cannot read the file ({exc.strerror}).", err=True)
        raise typer.Exit(2) from exc
    except (FileTooLarge, NotACsv) as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from exc
    with session_for(settings.database_url) as session:
        serialize_manager_changes(session)
        plan = build_plan(session, table, filename=str(file), leavers=leavers, actor=None)
        for line in plan_lines(plan):
            typer.echo(line)
        for error in plan.errors:
            typer.echo(f"{file}:{error.line}: {error.field}: {error.message}", err=True)
        if plan.errors:
            typer.echo("Nothing was changed: fix the rows above and run again.", err=True)
            raise typer.Exit(1)
        if dry_run:
            typer.echo("Dry run: nothing was changed.")
            return
        importing.apply_plan(session, plan, actor_id=None, settings=settings)
        session.commit()
    typer.echo(
        "Applied. New people have invitations queued; the server's mail sender "
        "(or `allyship send-mail`) emails them."
    )


@app.command()
def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List who would get what; send nothing.")
    ] = False,
    manager_digest: Annotated[
        bool | None,
        typer.Option(
            "--manager-digest/--no-manager-digest",
            help="Also send managers a weekly digest (default: ALLYSHIP_REMINDER_MANAGER_DIGEST).",
        ),
    ] = None,
) -> None:
    """Queue today's reminder emails, then deliver whatever waits in the outbox (daily, from cron)."""
    from app.content.catalog import load_catalog
    from app.db import session_for
    from app.hr import reminders

    settings = get_settings()
    catalog = load_catalog(settings.content_dir)
    with session_for(settings.database_url) as session:
        report, delivered = reminders.send_now(
            session, settings, catalog, dry_run=dry_run, manager_digest=manager_digest
        )
    verb = "Would queue" if dry_run else "Queued"
    for email, kind, modules in report.queued:
        typer.echo(f"{verb} {kind} reminder to {email} ({modules} module(s))")
    for email in report.digests:
        typer.echo(f"{verb} manager digest to {email}")
    typer.echo(f"{verb} {len(report.queued)} reminder(s), {len(report.digests)} digest(s).")
    if dry_run:
        typer.echo(f"{len(delivered.sent)} invitation(s) wait in the outbox.")
        return
    for email, error in delivered.failed:
        typer.echo(f"Not sent to {email}: {error} (will be retried)", err=True)
    typer.echo(f"Sent {len(delivered.sent)} e-mail(s); {len(delivered.failed)} failed.")
    raise typer.Exit(1 if delivered.failed else 0)


@app.command("send-nudges")
def send_nudges() -> None:
    """Queue today's nudges (refreshers, commitment check-ins; daily, from cron), then deliver."""
    from app.auth.link_mail import SIGN_IN_LINKS
    from app.content.catalog import load_catalog
    from app.db import session_for
    from app.lasting.nudges import queue_nudges
    from app.lasting.seam import refresher_source
    from app.mail.mailer import Mailer
    from app.mail.outbox_sender import drain

    settings = get_settings()
    catalog = load_catalog(settings.content_dir)
    with session_for(settings.database_url) as session:
        report = queue_nudges(session, settings, catalog, refreshers=refresher_source(catalog))
        for email, kind, module_id in report.queued:
            typer.echo(f"Queued {kind} nudge to {email} ({module_id})")
        typer.echo(f"Queued {len(report.queued)} nudge(s).")
        with Mailer(settings) as mailer:
            delivered = drain(session, settings, mailer, links=SIGN_IN_LINKS)
    for email, error in delivered.failed:
        typer.echo(f"Not sent to {email}: {error} (will be retried)", err=True)
    typer.echo(f"Sent {len(delivered.sent)} e-mail(s); {len(delivered.failed)} failed.")
    raise typer.Exit(1 if delivered.failed else 0)


@app.command("send-mail")
def send_mail() -> None:
    """Deliver the e-mail waiting in the outbox (for cron, where ALLYSHIP_OUTBOX_SENDER=false)."""
    from app.auth.link_mail import SIGN_IN_LINKS
    from app.db import session_for
    from app.mail.mailer import Mailer
    from app.mail.outbox_sender import drain

    settings = get_settings()
    with session_for(settings.database_url) as session, Mailer(settings) as mailer:
        report = drain(session, settings, mailer, links=SIGN_IN_LINKS)
    for email, error in report.failed:
        typer.echo(f"Not sent to {email}: {error} (will be retried)", err=True)
    typer.echo(f"Sent {len(report.sent)} e-mail(s); {len(report.failed)} failed.")
    raise typer.Exit(1 if report.failed else 0)


content_app = typer.Typer(help="Content releases (see README: releasing content changes).")
app.add_typer(content_app, name="content")


@content_app.command("status")
def content_status() -> None:
    """List the modules whose content changed since the last release."""
    from app.content.catalog import load_catalog
    from app.db import session_for
    from app.learning.releases import status

    settings = get_settings()
    catalog = load_catalog(settings.content_dir)
    with session_for(settings.database_url) as session:
        found = status(session, catalog)
    last = "no release yet" if found.last_number is None else f"release {found.last_number}"
    typer.echo(f"Since the last content release ({last}):")
    for module in found.changed:
        typer.echo(f"{module.state}\t{module.module_id}")
    if not found.changed:
        typer.echo("nothing changed.")


@content_app.command("release")
def content_release(
    note: Annotated[str, typer.Option("--note", help="What changed, shown to learners.")] = "",
    material: Annotated[
        list[str] | None,
        typer.Option(
            "--material",
            help="A module whose change is material: it reopens for people who completed it.",
        ),
    ] = None,
) -> None:
    """Record every module's content hash; reopen the --material modules."""
    from app.content.catalog import load_catalog
    from app.db import session_for
    from app.errors import DomainError
    from app.learning.releases import make_release

    settings = get_settings()
    catalog = load_catalog(settings.content_dir)
    with session_for(settings.database_url) as session:
        try:
            result = make_release(session, catalog, material=material or [], note=note)
        except DomainError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"Recorded content release {result.number}.")
    for module_id, people in result.reopened.items():
        typer.echo(f"Reopened {module_id} for {people} person(s) who had completed it.")


api_key_app = typer.Typer(help="API keys for HR systems (JSON API v1).", no_args_is_help=True)
app.add_typer(api_key_app, name="api-key")


@api_key_app.command("create")
def api_key_create(
    name: str,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Reading only; no creating or updating people.")
    ] = False,
    scim: Annotated[
        bool, typer.Option("--scim", help="For an identity provider: the SCIM 2.0 endpoints only.")
    ] = False,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="A scope (repeat for several): people:read, people:write, assignments:read, "
            "assignments:write, reports:read, events:read, scim. Default: every read and write "
            "scope except scim (only the :read ones with --read-only).",
        ),
    ] = None,
    expires_days: Annotated[
        int | None,
        typer.Option("--expires-days", help="The key stops working after this many days."),
    ] = None,
) -> None:
    """Create a key; it is printed once and only its hash is stored."""
    from app.api.keys import create_key
    from app.db import session_for
    from app.errors import DomainError

    scopes = ["scim"] if scim else scope or (["read"] if read_only else ["read", "write"])
    with session_for(get_settings().database_url) as session:
        try:
            key, secret = create_key(
                session, name=name, scopes=scopes, actor_id=None, expires_in_days=expires_days
            )
        except DomainError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from exc
    until = f", expires {key.expires_at:%Y-%m-%d}" if key.expires_at else ""
    typer.echo(
        f"Created API key {key.name!r} ({key.scopes}{until}). Store it now; it is not shown again:"
    )
    typer.echo(secret)


@api_key_app.command("list")
def api_key_list() -> None:
    """List keys (names, prefixes, scopes, state); secrets are never shown."""
    from app.api.keys import list_keys
    from app.db import session_for

    with session_for(get_settings().database_url) as session:
        for key in list_keys(session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            if key.expires_at and not key.revoked_at:
                state += f" until {key.expires_at:%Y-%m-%d}"
            typer.echo(f"{key.id}\t{key.name}\t{key.prefix}…\t{key.scopes}\t{state}")


@api_key_app.command("revoke")
def api_key_revoke(name_or_id: str) -> None:
    """Revoke a key by name or id; it stops working at once, for good."""
    from app.api.keys import revoke_key
    from app.db import session_for
    from app.errors import DomainError

    with session_for(get_settings().database_url) as session:
        try:
            key = revoke_key(session, key_ref=name_or_id, actor_id=None)
        except DomainError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"Revoked API key {key.name!r}.")


if __name__ == "__main__":
    app()
