"""The events feed: what HR systems follow, in commit order, and the webhooks that carry it.

Other features call `record_event` (or `record_events`) inside their own transaction; the
event exists only if that transaction commits. See docs/api.md for kinds and payloads.
"""

from app.events.record import KINDS, NewEvent, record_event, record_events

__all__ = ["KINDS", "NewEvent", "record_event", "record_events"]
