"""Progress callbacks for tests of the runner."""

from __future__ import annotations


def on_record(take):
    """A Monitor's ``progress`` callback that hands the runner's Progress record to
    ``take`` (``seen.append``), as the runner reports it after each flush."""

    def progress(done, total, record=None, **_) -> None:
        assert record is not None, "the runner reports its Progress record"
        take(record)

    return progress
