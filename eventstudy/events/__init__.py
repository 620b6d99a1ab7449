"""Event files: the frozen study schema, loading (TOML/CSV), validation and listing."""

from .load import describe_events, event_set_from_mapping, events_from_frame, load_events
from .schema import Claim, Event, EventSet
from .validate import Problem, find_problems, safe_name

__all__ = [
    "Claim",
    "Event",
    "EventSet",
    "Problem",
    "describe_events",
    "event_set_from_mapping",
    "events_from_frame",
    "find_problems",
    "load_events",
    "safe_name",
]
