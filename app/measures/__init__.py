"""The optional before/after self-assessment and its change by department (issue 21 point 3)."""
