"""``annotate --unit``: the units project a run goes into (see :mod:`.target` for the
run on whole texts)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from ..core.corpus import Corpus
from ..core.errors import LlmstudioError
from ..core.project import SUFFIX, Project, is_project
from ..core.unit_corpus import corpus_fingerprint, spec_text, stored_units_info
from ..core.units import UnitSpec
from .checks import check_has_rows
from .target import _beside as beside
from .target import read_source
from .unit_split import save_units


def _source_corpus(source: Path, args: argparse.Namespace) -> Corpus:
    if is_project(source):
        with Project.open(source) as project:
            corpus = project.corpus()
        if args.text_column and args.text_column != corpus.text_column:
            corpus = dataclasses.replace(corpus, text_column=args.text_column)
        return corpus
    return read_source(source, args)  # a table, or documents (a folder, a PDF, ...)


def _check_same_split(project: Project, source: Corpus, spec: UnitSpec, named: Path) -> None:
    """A units project found for FILE holds FILE's texts split this way, or is refused."""
    info = stored_units_info(project)
    if info is None:
        why = f"{project.path} is not a units project"
    elif info.unit != spec_text(spec):
        why = f"{project.path} holds units of {info.unit}, not {spec_text(spec)}"
    elif info.source_fingerprint != corpus_fingerprint(source):
        why = f"{project.path} was split from other texts than {named}'s as they are now"
    else:
        return
    raise LlmstudioError(f"{why}: give --project a new file for --unit {spec_text(spec)}")


def open_units_target(args: argparse.Namespace, tmp: str, spec: UnitSpec) -> tuple[Project, str]:
    """``annotate --unit``: the units project the run goes into, and how to name it (as
    :func:`.target.open_target`): ``--project``, a project beside OUT that an unfinished
    job kept, a temporary one (``--out``), or one beside FILE named for the unit
    (``survey.csv`` -> ``survey_sentence.llmstudio``; a folder ``interviews`` ->
    ``interviews_sentence.llmstudio`` beside it).
    The run then reads the units' ``text`` column (``args.text_column`` named the
    column that was split)."""
    source = Path(args.file)
    if not source.exists():
        raise LlmstudioError(f"{source}: no such file")
    label = spec_text(spec).replace(":", "-")
    if args.project:
        path, how = Path(args.project), "given"
    elif args.out and beside(source, Path(args.out)).exists():
        path, how = beside(source, Path(args.out)), "kept"
    elif args.out:
        path, how = Path(tmp) / f"annotate{SUFFIX}", "temporary"
    else:
        path, how = beside(source, source.with_name(f"{source.stem}_{label}{SUFFIX}")), "beside"
    corpus = _source_corpus(source, args)
    check_has_rows(corpus, source)
    args.text_column = None  # the run reads the units' text column
    named = source.resolve() if how != "given" else source
    if path.exists():
        project = Project.open(path)
        try:
            _check_same_split(project, corpus, spec, source)
        except LlmstudioError:
            project.close()
            raise
        return project, how
    # A project made at ``path`` meanwhile is never replaced: ProjectExists says so.
    return save_units(path, corpus, spec, named), how
