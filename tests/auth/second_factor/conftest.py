"""The second factor's tests: HR and admin accounts must enrol (no test exemption here)."""

from __future__ import annotations

import pytest

from app.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"second_factor_exempt_for_tests": False})
