"""The API is documented in OpenAPI, and /docs is served from this site only (no CDN)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT


def test_openapi_documents_api_v1_with_bearer_keys(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/modules",
        "/api/v1/departments",
        "/api/v1/people",
        "/api/v1/people/{external_id}",
        "/api/v1/people/batch",
        "/api/v1/people/{external_id}/assignments",
        "/api/v1/people/{external_id}/assignments/{module_id}",
        "/api/v1/assignments/bulk",
        "/api/v1/assignments/bulk-remove",
        "/api/v1/progress",
        "/api/v1/events",
    }
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    assert "put" in schema["paths"]["/api/v1/people/{external_id}"]
    full = client.get("/openapi.json").json()
    assert "/api/v1/progress" in full["paths"] and not any(
        p.startswith("/hr") for p in full["paths"]
    )


def test_docs_page_loads_only_local_assets_and_no_inline_script(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)  # every script is a file
    assert "style=" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for path in (
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/js/api-docs.js",
    ):
        assert client.get(path).status_code == 200, path


def test_vendored_swagger_ui_has_licence_and_a_readme_row() -> None:
    vendor = PROJECT_ROOT / "static" / "vendor"
    assert "Apache License" in (vendor / "swagger-ui" / "LICENSE").read_text()
    assert "swagger-ui-dist 5." in (vendor / "README.md").read_text()
