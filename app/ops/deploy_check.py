"""`allyship check-deploy`: settings that are unsafe for production, each with its fix."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.config import DEFAULT_SECRET, Settings
from app.db import ConnectionRoom, connection_room, make_engine, pool_limits
from app.ops.proxies import sighting_problems

NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "9p",
    "ceph",
    "glusterfs",
    "afs",
}


def filesystem_of(path: Path, mounts: Path = Path("/proc/mounts")) -> str:
    """The type of the filesystem holding `path` (longest matching mount point)."""
    try:
        lines = mounts.read_text().splitlines()
    except OSError:
        return "unknown"
    best, kind = "", "unknown"
    resolved = str(path.resolve())
    for line in lines:
        parts = line.split()
        if len(parts) < 3 or len(parts[1]) <= len(best):
            continue
        if resolved == parts[1] or resolved.startswith(parts[1].rstrip("/") + "/"):
            best, kind = parts[1], parts[2]
    return kind


def deploy_problems(settings: Settings, mounts: Path = Path("/proc/mounts")) -> list[str]:
    problems: list[str] = []
    if settings.debug:
        problems.append("debug is on: set ALLYSHIP_DEBUG=false")
    if settings.secret_key == DEFAULT_SECRET or len(settings.secret_key) < 32:
        problems.append(
            "the secret key is the default or shorter than 32 characters: set ALLYSHIP_SECRET_KEY "
            "to a long random value (python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if settings.environment != "production":
        problems.append("ALLYSHIP_ENVIRONMENT is not 'production'")
    if settings.base_url.startswith("https://") and not settings.https:
        problems.append(
            "the site is served over https but cookies are not marked Secure: set ALLYSHIP_HTTPS=true"
        )
    if not settings.base_url:
        problems.append(
            "ALLYSHIP_BASE_URL is not set: links in emails and certificates will point at localhost"
        )
    if "*" in settings.trusted_proxies.split(","):
        problems.append(
            "ALLYSHIP_TRUSTED_PROXIES is '*': any client can set X-Forwarded-For and pick the "
            "address sign-in throttling sees; list your proxy's address instead"
        )
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        kind = filesystem_of(Path(url.database).parent, mounts)
        if kind in NETWORK_FILESYSTEMS:
            problems.append(
                f"the SQLite database is on a network file system ({kind}); locking is unreliable there: "
                "keep it on a local disk or use PostgreSQL"
            )
    return problems


def connection_problems(room: ConnectionRoom, *, workers: int, pool_size: int) -> list[str]:
    """A problem when `workers` busy workers would open more connections than the server allows."""
    kept, overflow = pool_limits(pool_size)
    wanted = workers * (kept + overflow)
    if wanted <= room.available:
        return []
    taken = f"{room.reserved} reserved for superusers"
    if room.elsewhere:
        taken += f" and {room.elsewhere} in use by other databases"
    fitting = next(
        (
            size
            for size in range(pool_size - 1, 0, -1)
            if workers * sum(pool_limits(size)) <= room.available
        ),
        None,
    )
    if fitting is not None:
        change = f"lower ALLYSHIP_DATABASE_POOL_SIZE to {fitting}"
    elif room.available >= sum(pool_limits(1)):
        most = room.available // sum(pool_limits(1))
        change = f"lower ALLYSHIP_DATABASE_POOL_SIZE to 1 and run at most {most} workers"
    else:
        change = "free connections on the server"
    return [
        f"{workers} worker{'s' if workers != 1 else ''} x ({kept} + {overflow}) = {wanted} "
        f"connections, but the server allows {room.available} (max_connections "
        f"{room.max_connections} less {taken}): {change} or raise max_connections"
    ]


def database_problems(settings: Settings, *, workers: int | None = None) -> list[str]:
    """What the database says: untrusted proxies seen and, when the operator names how many
    workers will run, whether their connections fit (not named behind PgBouncer, whose own
    pool is all the server sees)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return []  # no database yet, so nothing recorded (and none is created here)
    engine = make_engine(settings.database_url)
    try:
        room = connection_room(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        return [
            f"could not connect to the database ({type(exc).__name__}): check "
            "ALLYSHIP_DATABASE_URL and that the server is running"
        ]
    problems = (
        []
        if room is None or workers is None
        else connection_problems(room, workers=workers, pool_size=settings.database_pool_size)
    )
    try:
        return problems + sighting_problems(engine, settings.trusted_proxies)
    except SQLAlchemyError as exc:
        return [
            *problems,
            f"could not read the database to look for untrusted proxies "
            f"({type(exc).__name__}): check ALLYSHIP_DATABASE_URL and run `allyship db upgrade`",
        ]
    finally:
        engine.dispose()
