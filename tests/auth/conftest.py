"""Auth tests use the same real SMTP server (aiosmtpd on loopback) as the HR tests."""

from tests.hr.conftest import inbox, settings, smtp_server

__all__ = ["inbox", "settings", "smtp_server"]
