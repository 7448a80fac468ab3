"""Background jobs: every job started reports its end, however quickly it finishes."""

from __future__ import annotations

from PySide6.QtCore import QThreadPool


def test_quick_jobs_started_outside_the_event_loop_all_finish(
    qtbot, window, open_file, small_csv, tmp_path
):
    """``open_path``/``export_to`` called from a script (no event loop running yet, as in
    ``llmstudio FILE``) must not lose a job that ends before its finish handler is
    connected: the busy bar would stay on for good."""
    open_file(small_csv)
    pool = QThreadPool.globalInstance()
    outs = [tmp_path / f"out{i}.csv" for i in range(30)]
    for out in outs:
        window.files.export_to(out)  # started with no event loop running
        pool.waitForDone(5000)  # a warm, idle pool starts the next job at once
    qtbot.waitUntil(lambda: all(o.exists() for o in outs), timeout=20_000)
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=5000)
    assert window._busy == 0 and not window.background_work
