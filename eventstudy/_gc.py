"""Pausing Python's cyclic garbage collector around allocation-heavy work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    With the collector on, building a million events (or the many small arrays and dicts of a
    large study) triggers full collections over the whole heap, and with pandas, numba and scipy
    loaded a full collection costs about 0.1 s here, more than the work it interrupts. What is
    built is acyclic, so reference counting frees it anyway. On the way out the new objects are
    moved straight to the oldest generation (``gc.freeze`` then ``gc.unfreeze``, both O(1))
    instead of being traversed by the young-generation collection that would otherwise run next;
    that is skipped when the application keeps frozen objects of its own.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()
