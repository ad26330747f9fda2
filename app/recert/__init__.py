"""Recertification: the organisation's validity period, expiry and status, and cycles."""
