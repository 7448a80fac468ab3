"""A job's progress while a model first learns from the corpus (a "phase"): the phase's
own fraction and time left, and a row rate that does not count the phase's time."""

from __future__ import annotations

import time

import pandas as pd

from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.run_progress import Progress
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask

from helpers.progress import on_record

STEP_S = 0.4


class SlowLearner(LexiconBackend):
    """The lexicon, with a two-step learning phase before the rows (as the builtin model
    embeds the corpus first)."""

    def prepare(self, task, texts, monitor=None) -> None:
        for fraction in (0.0, 0.5):
            monitor.report(fraction, 1.0, message="embedding texts")
            time.sleep(STEP_S)
        monitor.report(1.0, 1.0, message="done")


def test_phase_fraction_time_left_and_row_rate(tmp_path):
    src = tmp_path / "t.csv"
    pd.DataFrame({"text": [f"good day number {i}" for i in range(50)]}).to_csv(src, index=False)
    seen: list[Progress] = []
    with Project.create(tmp_path / "p.llmstudio", read_table(src)) as project:
        result = run_job(
            project,
            SentimentTask(),
            SlowLearner(),
            monitor=Monitor(on_record(lambda p: seen.append(Progress(**vars(p))))),
        )
    assert result.status == "done"
    phases = [p for p in seen if p.phase]
    assert [p.phase_fraction for p in phases] == [0.0, 0.5, 1.0]
    assert phases[0].phase_eta_s is None  # nothing to go by yet: estimating
    # Half done after one step: about one step left.
    assert abs(phases[1].phase_eta_s - STEP_S) < STEP_S / 2
    assert phases[2].phase_eta_s == 0.0
    rows = [p for p in seen if not p.phase and p.computed]
    assert rows and all(p.phase_fraction is None for p in rows)
    last = rows[-1]
    assert last.rows_started >= 2 * STEP_S  # the rows began after the phase
    # The rate counts the rows' own time: far above rows over the whole elapsed time.
    assert last.rows_per_s > 2 * last.computed / last.elapsed
