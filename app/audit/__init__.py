"""The audit log of HR and admin actions, shared by HR, accounts and the API."""

from app.audit.events import AuditPage, AuditRow, audit_page, record

__all__ = ["AuditPage", "AuditRow", "audit_page", "record"]
