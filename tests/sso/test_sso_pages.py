"""The SSO pages are valid HTML with a sound structure: sign-in, refused, admin (with problems)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.oidc_fixtures import TestProvider
from tests.page_structure import problems
from tests.sso.conftest import sso_sign_in
from tests.test_html_valid import nu_problems, page


def test_sso_pages_pass_the_nu_checker_and_structure_checks(
    app: object, client: TestClient, session: Session, provider: TestProvider, tmp_path: Path
) -> None:
    pages: dict[str, str] = {}
    page(pages, "login-sso", client.get("/login"))
    provider.account("sub-new", email="new@example.com", email_verified=True)
    page(pages, "sso-refused", sso_sign_in(client, provider, "sub-new"), 403)
    make_user(session, "root@example.com", role="admin")
    admin = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    login(admin, "root@example.com")
    form = page(pages, "admin-sso", admin.get("/admin/sso"))
    bad = admin.post(
        "/admin/sso", data={"csrf_token": csrf_from(form), "issuer": "ftp://x", "only": "1"}
    )
    page(pages, "admin-sso-problems", bad, 422)
    tested = admin.post("/admin/sso/test", data={"csrf_token": csrf_from(form)})
    page(pages, "admin-sso-tested", tested)
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    found = nu_problems(tmp_path) + [f"{n}: {p}" for n, h in pages.items() for p in problems(h)]
    assert not found, "\n".join(found)
