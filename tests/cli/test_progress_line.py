"""The command-line progress line: rewritten in place on a terminal, a few readable lines
in a log file."""

from __future__ import annotations

import io

from llmstudio.cli.progress_line import StatusLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_few_lines_new_phases_and_the_last_update():
    log = io.StringIO()
    line = StatusLine(log)
    line.show("fine-tuning the model on the examples (0/20)")
    for step in range(1, 20):
        line.show(f"fine-tuning the model on the examples ({step}/20)")  # too soon: dropped
    line.show("embedding texts (0/1,000)")  # a new phase: shown at once
    for done in range(1, 1000):
        line.show(f"{done:,}/1,000 rows")
    line.show("1,000/1,000 rows", final=True)
    line.end()
    assert log.getvalue().splitlines() == [
        "fine-tuning the model on the examples (0/20)",
        "embedding texts (0/1,000)",
        "1/1,000 rows",
        "1,000/1,000 rows",
    ]
    assert "\r" not in log.getvalue()


def test_a_terminal_line_is_rewritten_and_ended_once():
    screen = Terminal()
    line = StatusLine(screen)
    line.show("1/3 rows")
    line.show("3/3 rows", final=True)
    line.end()
    line.end()
    assert screen.getvalue() == "\r1/3 rows   \r3/3 rows   \n"


def test_the_same_final_state_reported_twice_is_one_line():
    # The runner reports its last state at the last flush and again when it ends.
    log = io.StringIO()
    line = StatusLine(log)
    line.show("299/300 rows")
    line.show("300/300 rows", final=True)
    line.show("300/300 rows", final=True)
    line.end()
    assert log.getvalue().splitlines() == ["299/300 rows", "300/300 rows"]
