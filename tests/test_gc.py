"""The garbage-collector pause used around allocation-heavy work."""

from __future__ import annotations

import gc

import pytest

from eventstudy._gc import gc_paused


@pytest.mark.parametrize("was_enabled", [True, False])
def test_gc_paused_restores_the_collector_state(was_enabled: bool) -> None:
    before = gc.isenabled()
    try:
        (gc.enable if was_enabled else gc.disable)()
        with gc_paused():
            assert not gc.isenabled()
            with gc_paused():  # nested: the inner exit leaves it paused
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() == was_enabled
        with pytest.raises(ValueError), gc_paused():
            raise ValueError("restored on errors too")
        assert gc.isenabled() == was_enabled
    finally:
        (gc.enable if before else gc.disable)()


def test_gc_paused_moves_survivors_to_the_oldest_generation() -> None:
    before = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        young = [[i] for i in range(10_000)]
        assert gc.get_count()[0] >= 10_000  # control: a plain pause leaves them young
        with gc_paused():
            kept = [[i] for i in range(10_000)]
        assert gc.get_count()[0] < 100  # moved on, so no young collection walks them
        assert gc.get_freeze_count() == 0
        assert len(young) == len(kept)
    finally:
        (gc.enable if before else gc.disable)()
