"""Refresher scenarios: one new scenario 2, 7 and 28 days after a module is passed (issue 21)."""
