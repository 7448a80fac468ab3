"""``--unit paragraph|sentence|words:N[:overlap]`` on ``import`` and ``annotate``: the
option, and the texts split into units (``core.unit_corpus``) with progress on stderr,
kept as a new project linked to what they were split from."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
from pathlib import Path

from ..core.corpus import Corpus
from ..core.errors import Cancelled, LlmstudioError
from ..core.progress import Monitor
from ..core.project import Project
from ..core.unit_corpus import (
    save_units_project,
    split_corpus,
    units_info,
)
from ..core.unit_links import record_units_link
from ..core.units import UNIT_HELP, UnitSpec, parse_unit
from .progress_line import StatusLine


def unit_arg(p: argparse.ArgumentParser, what: str) -> None:
    """Add ``--unit`` to a command's parser; ``what``: what the units become there."""
    p.add_argument(
        "--unit", metavar="UNIT", help=f"split the texts into units first: {UNIT_HELP}; {what}"
    )


def parsed_unit(args: argparse.Namespace) -> UnitSpec | None:
    """``--unit`` as a spec (a bad one: a UsageError naming it), None when not given."""
    return parse_unit(args.unit) if getattr(args, "unit", None) else None


def split_with_progress(corpus: Corpus, spec: UnitSpec) -> Corpus:
    """``corpus`` split into units with ``12/40 documents split`` on stderr; Ctrl+C
    cancels (``llmstudio: cancelled``, exit status 2)."""
    line = StatusLine()
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())

    def show(done, total, **_) -> None:
        line.show(f"{done:,}/{total:,} documents split", final=done >= total)

    try:
        return split_corpus(corpus, spec, Monitor(show, stop.is_set))
    except Cancelled:
        raise KeyboardInterrupt from None
    finally:
        line.end()
        signal.signal(signal.SIGINT, previous)


def save_units(path: Path, source: Corpus, spec: UnitSpec, split_from: str | Path) -> Project:
    """``source`` split and written as the new units project ``path`` (never replacing a
    file: ``ProjectExists``); the counts said on stderr. The open project."""
    units = split_with_progress(source, spec)
    for problem in units.problems:
        print(f"note: {problem}", file=sys.stderr)
    if not units.rows:
        raise LlmstudioError(f"{split_from}: no text to split into units, nothing was written")
    units = dataclasses.replace(units, source=str(split_from))
    info = units_info(source, units, spec, str(split_from))
    project = save_units_project(path, units, info, replace=False)
    print(
        f"split {info.documents:,} documents into {info.units:,} units ({info.unit})",
        file=sys.stderr,
    )
    try:
        if record_units_link(project) is not None:
            print(f"listed among the units corpora of {split_from}", file=sys.stderr)
    except LlmstudioError as exc:  # the units are written: said, not undone
        print(f"note: the units are not listed in their source: {exc}", file=sys.stderr)
    return project
