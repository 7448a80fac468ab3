"""The one progress/cancel object of the core: reports reach the caller, Cancel is prompt."""

from __future__ import annotations

import threading
import time
from unittest.mock import Mock

import numpy as np
import pandas as pd
import pytest

from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.errors import Cancelled
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.stats.bootstrap import resample_sums
from llmstudio.core.tasks import SentimentTask


def test_report_passes_counts_and_detail_to_the_callback():
    progress = Mock()
    Monitor(progress).report(3, 10, message="embedding texts")
    progress.assert_called_once_with(3, 10, message="embedding texts")
    Monitor().report(1, 2)  # no callback: nowhere, no error


def test_check_raises_once_cancelled_from_any_side():
    asked = Monitor(cancelled=lambda: True)
    with pytest.raises(Cancelled):
        asked.check()
    own = Monitor()
    own.check()  # not cancelled: nothing
    threading.Thread(target=own.cancel).start()
    deadline = time.monotonic() + 2
    while not own.cancelled() and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(Cancelled):
        own.check()


def test_a_cancelled_callback_is_remembered():
    answers = iter([True, False])
    monitor = Monitor(cancelled=lambda: next(answers))
    assert monitor.cancelled() and monitor.cancelled()  # once said, it holds


def test_part_maps_a_step_into_the_whole_and_shares_cancel():
    progress = Mock()
    whole = Monitor(progress)
    second = whole.part(50, 100, 100)
    second.report(5, 10, record="r")
    progress.assert_called_once_with(75.0, 100, record="r")
    second.cancel()
    assert whole.cancelled()
    with pytest.raises(Cancelled):
        whole.part(0, 1).check()


def test_bootstrap_stops_at_the_block_that_sees_cancel():
    features = np.ones((3, 2))
    units = np.array([0, 1, 2] * 20_000)  # many units: many blocks of resamples
    progress = Mock()
    resample_sums(features, units, 200, 0, Monitor(progress))
    progress.assert_not_called()  # a step of larger work: that work reports

    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2  # cancel at the third block

    with pytest.raises(Cancelled):
        resample_sums(features, units, 200, 0, Monitor(cancelled=cancelled))
    assert len(calls) == 3  # no block after the one that saw Cancel


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "t.csv"
    texts = [f"a good day number {i}" if i % 2 else f"bad news {i}" for i in range(60)]
    pd.DataFrame({"text": texts}).to_csv(src, index=False)
    with Project.create(tmp_path / "p.llmstudio", read_table(src)) as proj:
        yield proj


def test_run_reports_monotonic_rows_with_its_record_and_cancel_keeps_rows(project):
    backend = LexiconBackend()
    backend.batch_size = 10
    seen = []
    result = run_job(
        project,
        SentimentTask(),
        backend,
        monitor=Monitor(lambda done, total, record: seen.append((done, total, record.done))),
    )
    assert result.status == "done"
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and done[-1] == 60 and {t for _, t, _ in seen} == {60}
    assert all(d == r for d, _, r in seen)  # the counts are the record's


def test_cancel_from_a_report_stops_the_run_at_the_next_batch(project):
    backend = LexiconBackend()
    backend.batch_size = 10
    monitor = Monitor()

    def progress(done, total, record) -> None:
        if done >= 10:
            monitor.cancel()  # as the window's Cancel, from inside the work

    result = run_job(
        project,
        SentimentTask(),
        backend,
        monitor=Monitor(progress, monitor.cancelled),
    )
    assert result.status == "cancelled" and 10 <= result.done < 60
    finished = run_job(project, SentimentTask(), LexiconBackend())
    assert finished.computed == 60 - result.done  # the rows done were kept
