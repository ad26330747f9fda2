"""The real OpenID provider for the SSO tests: tests/oidc_provider/provider.mjs under Node.js.

Installed with `npm ci` from the committed lockfile when node_modules is missing; started on
a loopback port; driven through its test-only hooks (see provider.mjs).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "allyship"
CLIENT_SECRET = "allyship-test-client-secret-0123456789abcdef"
OTHER_ID = "other-app"
OTHER_SECRET = "other-app-test-client-secret-0123456789abcdef"


def install_provider() -> None:
    """`npm ci` from the lockfile when the packages are missing (make test and CI run it)."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("Node.js and npm are not installed (.ci/run installs them)")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PROVIDER_DIR, check=True
    )


def clients_for(*redirect_uris: str) -> list[dict[str, Any]]:
    """Our client, and a second client of the same provider (tokens issued to another app)."""
    return [
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": list(redirect_uris),
        },
        {
            "client_id": OTHER_ID,
            "client_secret": OTHER_SECRET,
            "redirect_uris": ["http://127.0.0.1/other-app/callback"],
        },
    ]


@dataclass
class TestProvider:
    """The running provider and its test-only hooks."""

    __test__ = False
    issuer: str
    process: subprocess.Popen[bytes]
    redirect_uris: list[str] = field(default_factory=list)

    def hook(self, path: str, data: Any = None, method: str = "POST") -> dict[str, Any]:
        response = httpx.request(method, f"{self.issuer}/test/{path}", json=data, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def reset(self) -> None:
        """Forget accounts, clocks and keys; a provider that stopped answering is started anew.

        In the whole suite's run on a busy CI machine the Node provider once stopped answering
        after many tests (its hooks timed out for every later SSO test); a fresh one on a new
        port serves the rest, and each test reads the issuer after this reset.
        """
        try:
            self.hook("reset")
        except httpx.TimeoutException:
            stop_provider(self)
            fresh = start_provider(*self.redirect_uris)
            self.issuer, self.process = fresh.issuer, fresh.process
        self.hook("clients", clients_for(*self.redirect_uris), method="PUT")

    def account(self, account_id: str, **claims: Any) -> None:
        self.hook(f"accounts/{account_id}", claims, method="PUT")

    def clock(self, offset_seconds: int) -> None:
        self.hook("clock", {"offset_seconds": offset_seconds})

    def rotate(self) -> str:
        return str(self.hook("rotate")["kid"])

    def next_id_token(self, id_token: str) -> None:
        self.hook("next-id-token", {"id_token": id_token})

    def sign_in(self, authorization_url: str, account: str, browser: httpx.Client) -> str:
        """Follow the provider's pages as a browser would, as `account`; the callback URL back."""
        url = authorization_url
        for _ in range(12):
            response = browser.get(url)
            if response.status_code == 200 and "Test provider" in response.text:
                action = response.text.split('action="', 1)[1].split('"', 1)[0]
                response = browser.post(f"{self.issuer}{action}", data={"account": account})
            if response.status_code not in (302, 303):
                raise AssertionError(f"provider answered {response.status_code}: {response.text}")
            url = httpx.URL(url).join(response.headers["location"]).__str__()
            if not url.startswith(self.issuer):
                return url
        raise AssertionError("the provider never sent the browser back")


def start_provider(*redirect_uris: str) -> TestProvider:
    install_provider()
    process = subprocess.Popen(
        ["node", str(PROVIDER_DIR / "provider.mjs")],
        cwd=PROVIDER_DIR,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "PORT": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise RuntimeError("the test OpenID provider did not start")
    issuer = json.loads(line)["issuer"]
    provider = TestProvider(issuer=issuer, process=process, redirect_uris=list(redirect_uris))
    provider.reset()
    return provider


def stop_provider(provider: TestProvider) -> None:
    provider.process.terminate()
    try:
        provider.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait()
    if provider.process.stdout is not None:
        provider.process.stdout.close()


def path_of(url: str) -> str:
    """The path and query of a URL, for the app's test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture(scope="session")
def oidc_server() -> Iterator[TestProvider]:
    provider = start_provider("http://testserver/sso/callback")
    yield provider
    stop_provider(provider)
