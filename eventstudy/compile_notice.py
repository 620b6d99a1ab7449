"""Tell the user, once, that the compiled kernels are being built (the first run after install).

numba compiles a kernel on its first call and caches the machine code on disk; later runs load it
in a fraction of the time. The first run is therefore several seconds slower, and without a word
it looks hung. numba announces each compilation it cannot serve from its cache as a
``numba:compile`` event; :func:`notify_compilation` listens for the first of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def notify_compilation(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback()`` once, when numba starts compiling (not loading from cache) a kernel.

    Imports numba (about 0.2 s), so use it around work that runs the kernels anyway.
    """
    from numba.core import event

    class _First(event.Listener):  # type: ignore[misc]
        fired = False

        def on_start(self, ev: Any) -> None:
            if not self.fired:
                self.fired = True
                callback()

        def on_end(self, ev: Any) -> None:
            pass

    with event.install_listener("numba:compile", _First()):
        yield


__all__ = ["notify_compilation"]
