"""The CLI's progress line during a step before the rows: the step's time left."""

from __future__ import annotations

from llmstudio.cli.progress_line import progress_printer as _progress_printer
from llmstudio.core.run_progress import Progress


class Lines:
    def __init__(self):
        self.shown: list[str] = []

    def show(self, text: str, final: bool = False) -> None:
        self.shown.append(text)


def test_a_phase_shows_its_time_left_once_it_can_be_told():
    lines = Lines()
    printer = _progress_printer(lines)

    def show(p: Progress) -> None:  # as the runner reports: the counts and its record
        printer(p.done, p.total, record=p)

    show(Progress(0, 300, phase="embedding texts (0/300) (0%)", phase_fraction=0.0))
    show(
        Progress(
            0, 300, phase="embedding texts (256/300) (73%)", phase_fraction=0.73, phase_elapsed=10.0
        )
    )
    show(Progress(300, 300, computed=300, elapsed=12.0, rows_started=11.0))
    assert lines.shown[0] == "embedding texts (0/300) (0%)"  # nothing to go by yet
    assert lines.shown[1] == "embedding texts (256/300) (73%), about 4 s left, then the rows"
    assert lines.shown[2].endswith("300.0 rows/s")  # the rows' own second, not the phase's
