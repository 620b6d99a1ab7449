"""Tell the user, once, that the compiled kernels are being built (the first run after install).

numba compiles a kernel on its first call and caches the machine code on disk; later runs load it
in a fraction of the time. The first run is therefore several seconds slower, and without a word
it looks hung. numba announces each compilation it cannot serve from its cache as a
``numba:compile`` event; :func:`notify_compilation` listens for the first of them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .kernels import numba_loaded_hooks


@contextmanager
def notify_compilation(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback()`` once, when numba starts compiling (not loading from cache) a kernel.

    Does not import numba: when it is not loaded yet, the listener is installed by the kernels
    right after they import it (a study small enough to run its kernels interpreted never does).
    """
    listeners: list[Any] = []

    def install() -> None:
        from numba.core import event

        class _First(event.Listener):  # type: ignore[misc]
            fired = False

            def on_start(self, ev: Any) -> None:
                if not self.fired:
                    self.fired = True
                    callback()

            def on_end(self, ev: Any) -> None:
                pass

        listeners.append(_First())
        event.register("numba:compile", listeners[-1])

    if "numba" in sys.modules:
        install()
    else:
        numba_loaded_hooks.append(install)
    try:
        yield
    finally:
        if install in numba_loaded_hooks:
            numba_loaded_hooks.remove(install)
        if listeners:
            from numba.core import event

            event.unregister("numba:compile", listeners[0])


__all__ = ["notify_compilation"]
