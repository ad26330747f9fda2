"""An SSO sign-in from start to session: the pending row, the callback's checks, the session.

State, nonce and PKCE verifier live in the database (several workers share them), bound to
the browser that started the sign-in by the hash of a random cookie. The callback spends the
row with one DELETE before it talks to the provider, so a replayed or doubled callback finds
nothing to spend; a callback from another browser (login CSRF) does not match the cookie.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authlib.common.security import generate_token
from sqlalchemy import delete
from sqlmodel import Session, col

from app.audit import record
from app.auth import oidc, privacy_notice, service
from app.auth.landing import landing, safe_next
from app.auth.sso_accounts import account_for
from app.auth.sso_config import SsoConfig
from app.clock import utcnow
from app.config import Settings
from app.models import SsoPending, row_id
from app.security import new_token, token_digest

PENDING_FOR = timedelta(minutes=10)
log = logging.getLogger("allyship.auth")
STATE_LOST = (
    "This sign-in could not be matched to one started in this browser (it may have expired, "
    "been used already, or come from another browser). Start again."
)


def redirect_uri(settings: Settings) -> str:
    """The address to register at the provider: fixed, never taken from the request."""
    return f"{settings.public_url}/sso/callback"


def begin(
    session: Session, settings: Settings, config: SsoConfig, *, browser: str | None, next: str
) -> tuple[str, str]:
    """(the provider's sign-in URL, the browser token to keep in the cookie)."""
    if not config.active:
        raise oidc.SsoRefused("Single sign-on is not set up here.", "off")
    provider = oidc.discover(config.issuer, allow_private=settings.sso_allow_private_issuer)
    browser = browser or new_token()
    state, nonce, verifier = new_token(), new_token(), generate_token(64)
    now = utcnow()
    session.execute(delete(SsoPending).where(col(SsoPending.expires_at) < now))
    session.add(
        SsoPending(
            state_hash=token_digest(state),
            browser_hash=token_digest(browser),
            nonce=nonce,
            verifier=verifier,
            next=safe_next(next),
            expires_at=now + PENDING_FOR,
        )
    )
    session.commit()
    url = oidc.authorization_url(
        provider,
        client_id=config.client_id,
        scope=" ".join(config.words("scopes")) or "openid",
        redirect_uri=redirect_uri(settings),
        state=state,
        nonce=nonce,
        verifier=verifier,
    )
    return url, browser


@dataclass(frozen=True)
class Pending:
    nonce: str
    verifier: str
    next: str


def _spend(session: Session, *, state: str, browser: str) -> Pending:
    """Take the pending sign-in for this state and browser, once; committed at once."""
    row = session.get(SsoPending, token_digest(state))
    live = row is not None and row.expires_at >= utcnow()
    pending = Pending(row.nonce, row.verifier, row.next) if row else None
    gone = session.execute(
        delete(SsoPending).where(
            col(SsoPending.state_hash) == token_digest(state),
            col(SsoPending.browser_hash) == token_digest(browser),
        )
    )
    session.commit()
    if pending is None or not live or gone.rowcount != 1:  # type: ignore[attr-defined]
        raise oidc.SsoRefused(STATE_LOST, "state")
    return pending


@dataclass(frozen=True)
class SignedIn:
    token: str
    target: str


def finish(
    session: Session,
    settings: Settings,
    config: SsoConfig,
    *,
    params: dict[str, str],
    browser: str,
    replace_token: str | None,
) -> SignedIn:
    """Check the callback and the tokens, find the person, open their session."""
    if not config.active:
        raise oidc.SsoRefused("Single sign-on is not set up here.", "off")
    if not params.get("state") or not browser:
        raise oidc.SsoRefused(STATE_LOST, "state")
    pending = _spend(session, state=params["state"], browser=browser)
    if error := params.get("error"):
        said = params.get("error_description", "")[:200]
        raise oidc.SsoRefused(
            f"Your organisation's sign-in service did not sign you in ({error}{': ' if said else ''}{said}).",
            "provider",
        )
    if not params.get("code"):
        raise oidc.SsoRefused(STATE_LOST, "state")
    provider = oidc.discover(config.issuer, allow_private=settings.sso_allow_private_issuer)
    tokens = oidc.redeem(
        provider,
        client_id=config.client_id,
        client_secret=config.client_secret,
        redirect_uri=redirect_uri(settings),
        code=params["code"],
        verifier=pending.verifier,
    )
    if not isinstance(tokens.get("id_token"), str):
        raise oidc.SsoRefused("Your organisation's sign-in service sent no ID token.", "no-token")
    claims = oidc.verified_claims(
        provider, id_token=tokens["id_token"], client_id=config.client_id, nonce=pending.nonce
    )
    claims = _with_userinfo(provider, config, claims, str(tokens.get("access_token") or ""))
    user = account_for(session, config, issuer=provider.issuer, claims=claims)
    user_id = row_id(user)
    record(session, actor_id=user_id, action="sso.sign_in", target=user.email)
    first = privacy_notice.first_showing(session, user_id=user_id, now=utcnow())
    token = service.open_session(session, settings, user=user, replace_token=replace_token)
    target = landing(user.role, pending.next)
    return SignedIn(token=token, target=privacy_notice.page_then(target) if first else target)


def _with_userinfo(
    provider: oidc.Provider, config: SsoConfig, claims: dict[str, Any], access_token: str
) -> dict[str, Any]:
    """Claims the ID token lacks, from userinfo, when it speaks for the same `sub`."""
    wanted = [config.email_claim, config.name_claim, config.external_id_claim, config.group_claim]
    if all(not name or name in claims for name in wanted):
        return claims
    extra = oidc.userinfo(provider, access_token)
    if extra.get("sub") != claims["sub"]:
        return claims
    protected = {"iss", "aud", "sub", "exp", "iat", "nonce", "azp"}
    return {**{k: v for k, v in extra.items() if k not in protected}, **claims}
