"""Background work runs below the window's priority (Linux)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from llmstudio.core.priority import BACKGROUND_NICE, lower_this_thread


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_a_lowered_thread_and_the_threads_it_starts_run_below_the_others():
    seen = {}

    def child():
        seen["child"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def work():
        seen["done"] = lower_this_thread()
        seen["self"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        t = threading.Thread(target=child)
        t.start()
        t.join()

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen["done"] and seen["self"] == seen["child"] == max(before, BACKGROUND_NICE)
    # The calling (window) thread keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
