"""OpenID Connect against one provider: discovery, the authorization URL, the code, the ID token.

Protocol only (no database, no pages). Authlib builds the request and redeems the code with
PKCE; joserfc checks the ID token's signature and claims. Discovery documents and key sets
are cached in the process for an hour: they are public, the provider's own, and a key set
is fetched again at once when a token names a key id it does not hold (key rotation).

Every URL fetched from here (discovery, keys, token, userinfo) must be https:// and resolve to
public addresses only (app/public_ip.py), checked before each request: the issuer is typed by
an admin and the other URLs come from the provider, and neither may turn an anonymous visit
to /sso/start into a request to the inside. A test provider on loopback is allowed only
with ALLYSHIP_SSO_ALLOW_PRIVATE_ISSUER (tests, labs), which also allows plain http://.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.public_ip import is_public, resolved, written_refusal

# httpx, authlib and joserfc (with rich and pygments, httpx's CLI) take about 20 MB and
# 0.1 s of CPU to import: each function below imports what it uses, so a worker loads them
# on its first single sign-on, not at start-up.
if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

SKEW_SECONDS = 120  # clocks of the provider and this server may differ this much
TIMEOUT_SECONDS = 10
CACHE_SECONDS = 3600
FAILURE_CACHE_SECONDS = 30  # a provider that failed is asked again after this long
# Asymmetric only: an HS256 token "signed" with the client secret, or alg "none", is refused.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
NEEDED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class SsoRefused(Exception):
    """A sign-in or a connection test that cannot go on; `message` is for people to read."""

    def __init__(self, message: str, reason: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    allow_private: bool = False


_lock = threading.Lock()
_documents: dict[tuple[str, bool], tuple[float, Provider]] = {}
_failures: dict[tuple[str, bool], tuple[float, SsoRefused]] = {}
_key_sets: dict[str, KeySet] = {}


def check_address(url: str, what: str, *, allow_private: bool) -> None:
    """SsoRefused unless the URL may be fetched: https:// to public addresses only."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise SsoRefused(f"The {what} {url} is not an https:// address.", "config")
    if allow_private:
        return
    host = parts.hostname or ""
    refusal = written_refusal(host)
    try:
        found = [] if refusal else resolved(host, parts.port or 443)
    except (OSError, UnicodeError) as exc:
        raise SsoRefused(f"Could not look up {host} for the {what}: {exc}.", "unreachable") from exc
    if refusal or not found or not all(is_public(a) for a in found):
        raise SsoRefused(
            f"The {what} {url} is on a loopback, private or link-local address, "
            "which single sign-on does not call.",
            "private",
        )


def _get_json(url: str, what: str, *, allow_private: bool, **kwargs: Any) -> Any:
    import httpx

    check_address(url, what, allow_private=allow_private)
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS, **kwargs)
    except httpx.HTTPError as exc:
        raise SsoRefused(f"Could not reach the {what} at {url}: {exc}.", "unreachable") from exc
    if response.status_code != 200:
        raise SsoRefused(
            f"The {what} at {url} answered HTTP {response.status_code}, not 200.", "http"
        )
    try:
        return response.json()
    except ValueError as exc:
        raise SsoRefused(f"The {what} at {url} is not JSON.", "not-json") from exc


def discover(issuer: str, *, allow_private: bool, fresh: bool = False) -> Provider:
    """The provider's discovery document, checked: it must name this very issuer."""
    issuer = issuer.strip().rstrip("/")
    if not issuer.startswith(("https://", "http://")):
        raise SsoRefused("The issuer must be a URL starting with https://.", "config")
    check_address(issuer, "issuer", allow_private=allow_private)
    key = (issuer, allow_private)
    with _lock:
        cached, failed = _documents.get(key), _failures.get(key)
    if cached and not fresh and cached[0] > time.monotonic():
        return cached[1]
    if failed and not fresh and failed[0] > time.monotonic():
        raise SsoRefused(failed[1].message, failed[1].reason)
    try:
        provider = _fetch_provider(issuer, allow_private)
    except SsoRefused as exc:
        with _lock:  # each anonymous /sso/start must not cost the provider a request
            _failures[key] = (time.monotonic() + FAILURE_CACHE_SECONDS, exc)
        raise
    with _lock:
        _documents[key] = (time.monotonic() + CACHE_SECONDS, provider)
        _failures.pop(key, None)
    return provider


def _fetch_provider(issuer: str, allow_private: bool) -> Provider:
    url = f"{issuer}/.well-known/openid-configuration"
    document = _get_json(url, "discovery document", allow_private=allow_private)
    if not isinstance(document, dict):
        raise SsoRefused(f"The discovery document at {url} is not a JSON object.", "not-json")
    if missing := [name for name in NEEDED if not isinstance(document.get(name), str)]:
        raise SsoRefused(f"The discovery document lacks {', '.join(missing)}.", "incomplete")
    if document["issuer"].rstrip("/") != issuer:
        raise SsoRefused(
            f"The discovery document names the issuer {document['issuer']}, not {issuer}: "
            "copy the issuer exactly as the provider states it.",
            "issuer",
        )
    return Provider(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        userinfo_endpoint=str(document.get("userinfo_endpoint") or ""),
        allow_private=allow_private,
    )


def key_set(provider: Provider, *, fresh: bool = False) -> KeySet:
    """The provider's public keys (refetched when asked: a token names an unknown key)."""
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    with _lock:
        keys = _key_sets.get(provider.jwks_uri)
    if keys is not None and not fresh:
        return keys
    document = _get_json(provider.jwks_uri, "key set", allow_private=provider.allow_private)
    try:
        keys = KeySet.import_key_set(document)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SsoRefused(f"The key set at {provider.jwks_uri} is not usable.", "keys") from exc
    with _lock:
        _key_sets[provider.jwks_uri] = keys
    return keys


def _client(client_id: str, client_secret: str, redirect_uri: str, scope: str) -> OAuth2Client:
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(
        client_id,
        client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT_SECONDS,
    )


def authorization_url(
    provider: Provider,
    *,
    client_id: str,
    scope: str,
    redirect_uri: str,
    state: str,
    nonce: str,
    verifier: str,
) -> str:
    """Where the browser goes to sign in: code flow, with state, nonce and a PKCE challenge."""
    with _client(client_id, "", redirect_uri, scope) as client:
        url, _ = client.create_authorization_url(
            provider.authorization_endpoint, state=state, nonce=nonce, code_verifier=verifier
        )
    return str(url)


def redeem(
    provider: Provider,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    verifier: str,
) -> dict[str, Any]:
    """The token response for a code (client secret and PKCE verifier sent)."""
    import httpx
    from authlib.integrations.base_client.errors import OAuthError

    check_address(provider.token_endpoint, "token endpoint", allow_private=provider.allow_private)
    try:
        with _client(client_id, client_secret, redirect_uri, "") as client:
            token = client.fetch_token(provider.token_endpoint, code=code, code_verifier=verifier)
    except OAuthError as exc:
        raise SsoRefused(
            "Your organisation's sign-in service refused this sign-in "
            f"({exc.error}). It may have been used already or have expired.",
            "code",
        ) from exc
    except httpx.HTTPError as exc:
        raise SsoRefused(
            "Could not reach your organisation's sign-in service.", "unreachable"
        ) from exc
    return dict(token)


def verified_claims(
    provider: Provider, *, id_token: str, client_id: str, nonce: str, now: int | None = None
) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce hold."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwt import JWTClaimsRegistry

    keys = key_set(provider)
    try:
        try:
            token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
        except (JoseError, ValueError) as first:
            fresh = key_set(provider, fresh=True)  # a rotated key: the old set lacks its kid
            if fresh.as_dict() == keys.as_dict():
                raise first
            token = jwt.decode(id_token, fresh, algorithms=list(ALGORITHMS))
    except (JoseError, ValueError) as exc:
        raise SsoRefused(
            "The sign-in token's signature could not be checked.", "signature"
        ) from exc
    claims = dict(token.claims)
    registry = JWTClaimsRegistry(
        now=now,
        leeway=SKEW_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise SsoRefused(_claim_message(exc), "claims") from exc
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audience) > 1 and claims.get("azp") != client_id:
        raise SsoRefused("The sign-in token was issued to another application.", "claims")
    return claims


def _claim_message(exc: JoseError) -> str:
    text = str(exc)
    if "exp" in text:
        return "The sign-in token has expired. Sign in again."
    if "aud" in text:
        return "The sign-in token was issued to another application."
    if "nonce" in text:
        return "The sign-in token does not belong to this sign-in. Start again."
    if "iss" in text:
        return "The sign-in token comes from another issuer."
    return f"The sign-in token is not valid ({text})."


def userinfo(provider: Provider, access_token: str) -> dict[str, Any]:
    """Claims from the userinfo endpoint ({} when there is none or it fails)."""
    if not provider.userinfo_endpoint or not access_token:
        return {}
    headers = {"Authorization": f"Bearer {access_token}"}
    try:
        data = _get_json(
            provider.userinfo_endpoint,
            "userinfo endpoint",
            allow_private=provider.allow_private,
            headers=headers,
        )
    except SsoRefused:
        return {}
    return data if isinstance(data, dict) else {}
