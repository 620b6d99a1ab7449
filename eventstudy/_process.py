"""Forked helper processes that never outlive the process that forked them."""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["die_with_parent"]


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this forked process as soon as its parent dies (Linux).

    A parent killed with SIGKILL cannot stop its children; without this, a child drawing into
    the parent's staging folder would go on writing there while the next run clears it.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)
