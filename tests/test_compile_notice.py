"""The first-run notice fires once when numba compiles, and not when nothing is compiled."""

from __future__ import annotations

from numba import njit

from eventstudy.compile_notice import notify_compilation


def test_notice_fires_once_per_run_that_compiles_and_never_after() -> None:
    @njit
    def add_one(x):  # type: ignore[no-untyped-def]
        return x + 1

    calls: list[int] = []
    with notify_compilation(lambda: calls.append(1)):
        assert add_one(1) == 2  # compiles the int signature
        assert add_one(1.5) == 2.5  # and the float one: still one notice
    assert calls == [1]
    with notify_compilation(lambda: calls.append(2)):
        assert add_one(2) == 3  # already compiled: no notice
    assert calls == [1]
    add_one(True)  # a compilation outside the context is not reported
    assert calls == [1]
