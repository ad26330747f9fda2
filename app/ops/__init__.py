"""Operator tasks: backups, restores and deployment checks."""
