"""Lasting-learning tests use the HR suite's real SMTP server on loopback and its settings."""

from tests.hr.conftest import cli_env, inbox, settings, smtp_server

__all__ = ["cli_env", "inbox", "settings", "smtp_server"]
