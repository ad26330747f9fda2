"""Who a verified SSO sign-in is: the linked person, else the imported one, else maybe a new one.

A link, once made, follows the provider's `sub`: changing one's e-mail at the provider never
moves the sign-in to whoever has that address here, and a person already linked to another
`sub` cannot be taken over by a second provider account.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit import record
from app.auth.oidc import SsoRefused
from app.auth.sso_config import SsoConfig
from app.models import Department, Role, SsoIdentity, User, row_id

NOT_IMPORTED = (
    "You signed in with your organisation's account, but nobody has added you to the course "
    "yet. Ask your HR team to add you, then sign in again."
)


def claim_text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else ""


def _groups(claims: dict[str, Any], name: str) -> set[str]:
    value = claims.get(name) if name else None
    if isinstance(value, str):
        return {value}
    return {str(v) for v in value} if isinstance(value, list) else set()


def _check_domain(config: SsoConfig, email: str) -> None:
    domains = [d.lower().lstrip("@") for d in config.words("allowed_domains")]
    if domains and email.rpartition("@")[2].lower() not in domains:
        raise SsoRefused(
            "Your organisation's account uses an e-mail domain this course does not accept. "
            "Sign in with your work account, or ask your HR team.",
            "domain",
        )


def _verified_email(claims: dict[str, Any], email: str) -> str:
    if not email:
        raise SsoRefused("Your organisation's account sent no e-mail address.", "no-email")
    if claims.get("email_verified") is not True:
        raise SsoRefused(
            "Your organisation's account has an e-mail address it has not verified, so it "
            "cannot be matched to you here. Ask your IT team to verify it.",
            "unverified",
        )
    return email.lower()


def account_for(
    session: Session, config: SsoConfig, *, issuer: str, claims: dict[str, Any]
) -> User:
    """The person this sign-in is (linking or creating on the first sign-in), or SsoRefused."""
    email = claim_text(claims, config.email_claim)
    _check_domain(config, email)
    link = session.exec(
        select(SsoIdentity).where(
            col(SsoIdentity.issuer) == issuer, col(SsoIdentity.subject) == str(claims["sub"])
        )
    ).first()
    user = session.get(User, link.user_id) if link else _first_match(session, config, claims, email)
    if user is None:
        user = _created(session, config, claims, _verified_email(claims, email))
    if not user.active:
        raise SsoRefused(
            "Your account here has been closed, so you cannot sign in. "
            "If this is a mistake, ask your HR team.",
            "deactivated",
        )
    if link is None:
        _link(session, issuer=issuer, subject=str(claims["sub"]), user=user)
    _apply_groups(session, config, claims, user)
    return user


def _first_match(
    session: Session, config: SsoConfig, claims: dict[str, Any], email: str
) -> User | None:
    """The imported person: by the external-id claim, else by a verified e-mail."""
    if external := claim_text(claims, config.external_id_claim):
        found = session.exec(select(User).where(col(User.external_id) == external)).first()
        if found is not None:
            return found
    address = _verified_email(claims, email)
    return session.exec(select(User).where(col(User.email) == address)).first()


def _created(session: Session, config: SsoConfig, claims: dict[str, Any], email: str) -> User:
    if not config.create_accounts:
        raise SsoRefused(NOT_IMPORTED, "not-imported")
    department = None
    if config.default_department:
        department = session.exec(
            select(Department).where(col(Department.name) == config.default_department)
        ).first()
    name = claim_text(claims, config.name_claim) or email.partition("@")[0]
    user = User(
        email=email,
        name=name[:200],
        role=Role.learner,
        external_id=claim_text(claims, config.external_id_claim) or None,
        department_id=department.id if department else None,
    )
    session.add(user)
    session.flush()
    record(session, actor_id=row_id(user), action="sso.account_created", target=email)
    return user


def _link(session: Session, *, issuer: str, subject: str, user: User) -> None:
    taken = session.exec(
        select(SsoIdentity).where(
            col(SsoIdentity.issuer) == issuer, col(SsoIdentity.user_id) == row_id(user)
        )
    ).first()
    if taken is not None:
        raise SsoRefused(
            "The account with this e-mail address here is already linked to another "
            "account at your organisation's sign-in service. Ask your HR team.",
            "linked-elsewhere",
        )
    try:
        with session.begin_nested():
            session.add(SsoIdentity(issuer=issuer, subject=subject, user_id=row_id(user)))
    except IntegrityError as exc:  # two first sign-ins at once: the other one linked first
        raise SsoRefused("This sign-in was already completed. Start again.", "race") from exc
    record(session, actor_id=row_id(user), action="sso.linked", target=user.email, sub=subject)


def _apply_groups(session: Session, config: SsoConfig, claims: dict[str, Any], user: User) -> None:
    """With a group claim set, it decides learner, facilitator or HR (admins are left alone)."""
    if not config.group_claim or user.role == Role.admin:
        return
    groups = _groups(claims, config.group_claim)
    wanted = Role.learner
    if groups & set(config.words("hr_groups")):
        wanted = Role.hr
    elif groups & set(config.words("facilitator_groups")):
        wanted = Role.facilitator
    if user.role != wanted:
        record(
            session,
            actor_id=row_id(user),
            action="sso.role",
            target=user.email,
            old=user.role,
            new=wanted,
        )
        user.role = wanted
        session.add(user)
