"""OpenID Connect against one provider: discovery, the authorization URL, the code, the ID token.

Protocol only (no database, no pages). Authlib builds the request and redeems the code with
PKCE; joserfc checks the ID token's signature and claims. Discovery documents and key sets
are cached in the process for an hour: they are public, the provider's own, and a key set
is fetched again at once when a token names a key id it does not hold (key rotation).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

SKEW_SECONDS = 120  # clocks of the provider and this server may differ this much
TIMEOUT_SECONDS = 10
CACHE_SECONDS = 3600
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


_lock = threading.Lock()
_documents: dict[str, tuple[float, Provider]] = {}
_key_sets: dict[str, KeySet] = {}


def _get_json(url: str, what: str, **kwargs: Any) -> Any:
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


def discover(issuer: str, *, fresh: bool = False) -> Provider:
    """The provider's discovery document, checked: it must name this very issuer."""
    issuer = issuer.strip().rstrip("/")
    if not issuer.startswith(("https://", "http://")):
        raise SsoRefused("The issuer must be a URL starting with https://.", "config")
    with _lock:
        cached = _documents.get(issuer)
    if cached and not fresh and cached[0] > time.monotonic():
        return cached[1]
    url = f"{issuer}/.well-known/openid-configuration"
    document = _get_json(url, "discovery document")
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
    provider = Provider(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        userinfo_endpoint=str(document.get("userinfo_endpoint") or ""),
    )
    with _lock:
        _documents[issuer] = (time.monotonic() + CACHE_SECONDS, provider)
    return provider


def key_set(provider: Provider, *, fresh: bool = False) -> KeySet:
    """The provider's public keys (refetched when asked: a token names an unknown key)."""
    with _lock:
        keys = _key_sets.get(provider.jwks_uri)
    if keys is not None and not fresh:
        return keys
    document = _get_json(provider.jwks_uri, "key set")
    try:
        keys = KeySet.import_key_set(document)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SsoRefused(f"The key set at {provider.jwks_uri} is not usable.", "keys") from exc
    with _lock:
        _key_sets[provider.jwks_uri] = keys
    return keys


def _client(client_id: str, client_secret: str, redirect_uri: str, scope: str) -> OAuth2Client:
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
        data = _get_json(provider.userinfo_endpoint, "userinfo endpoint", headers=headers)
    except SsoRefused:
        return {}
    return data if isinstance(data, dict) else {}
