"""Managers: the team page (reports' assignments, status and dates, never scores) and the digest."""
