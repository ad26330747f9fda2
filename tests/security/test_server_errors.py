"""A server error shows a plain page with a request id and logs it; no traceback reaches the user."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_unhandled_error_gives_plain_500_page_with_request_id(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="allyship"):
        response = client.get("/boom-for-test", headers={"X-Request-ID": "req-12345"})
    assert response.status_code == 500
    assert "req-12345" in response.text and "Something went wrong" in response.text
    assert "Traceback" not in response.text and "secret internal detail" not in response.text
    assert "req-12345" in caplog.text and "secret internal detail" in caplog.text
    assert response.headers["x-request-id"] == "req-12345"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
