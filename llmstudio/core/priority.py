"""Running background work below the window's priority.

A local model keeps every core busy (torch's threads, the backend's streams). The window's
thread then waits for a core behind them, and the window stalls for 100-300 ms at a time
on a laptop with few cores. Work started from a thread lowered here (Linux: ``nice`` is
per thread, and threads inherit it when created) yields the CPU to the window the moment
it wakes, and takes all of it while the window is idle: the job runs as fast as before.
"""

from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICE = 10


def lower_this_thread(nice: int = BACKGROUND_NICE) -> bool:
    """Lower the calling thread (and the threads it starts later) to ``nice``; True if
    done. Linux only: elsewhere the call changes nothing and returns False (on macOS the
    same call would lower the whole process, window included)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return False
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        return True
    except OSError:  # not permitted in this sandbox: run at normal priority
        return False
