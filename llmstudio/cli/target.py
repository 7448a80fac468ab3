"""The project a model run of a command goes into (``annotate``): FILE itself, ``--project``,
the project kept beside FILE, or a temporary one for ``--out``; and where the rows of an
unfinished run are kept."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..core.corpus import Corpus, read_table
from ..core.errors import LlmstudioError, ProjectExists, UsageError
from ..core.project import SUFFIX, Project, is_project
from .checks import check_has_rows
from .reading import import_options


def _beside(source: Path, near: Path | None = None) -> Path:
    """The project kept beside a data file: ``survey.llmstudio`` next to ``survey.csv``,
    or that file's own project when it is already there; another file's project of that
    name is left alone (``survey_2.llmstudio``). ``near``: named after and put beside that
    file instead (``--out results.csv``: ``results.llmstudio``), still for ``source``."""
    near = near or source
    k, candidate = 1, near.with_suffix(SUFFIX)
    while candidate.exists():
        try:
            with Project.open(candidate) as other:
                if Path(other.meta("source") or "").resolve() == source.resolve():
                    return candidate
        except LlmstudioError:
            pass
        k += 1
        candidate = near.with_name(f"{near.stem}_{k}{SUFFIX}")
    return candidate


def read_source(source: Path, args: argparse.Namespace, said: Path | None = None) -> Corpus:
    """FILE's texts, with what went wrong reading them said on stderr (naming the file as
    ``said``, the way the user typed it, when ``source`` is its resolved path): documents
    (a folder read recursively, a PDF, ...: one row per document) as ``import`` reads
    them, else its table by the reading options in ``args``."""
    from ..core.documents import is_documents

    if is_documents(source):
        from .import_documents import read_reported

        return read_reported(source)
    corpus = read_table(source, import_options(args))
    for problem in corpus.problems:
        print(f"note: {said or source}: {problem}", file=sys.stderr)
    return corpus


def _check_same_table(project: Project, source: Path, args: argparse.Namespace) -> None:
    """A project found for FILE (``--project``, or the one kept beside it) runs over the
    table it holds: refuse when that is not FILE's table as FILE is now, since the run
    would otherwise annotate another table (or an older FILE) without a word."""
    from ..core.cells import as_text

    held = project.corpus()
    now = read_source(source, args)
    column = held.text_column

    def texts(frame):
        return frame[column].map(as_text).tolist()

    if column in now.frame.columns and texts(now.frame) == texts(held.frame):
        return
    made_from = project.meta("source") or "?"
    if Path(made_from).resolve() == source.resolve():
        why = (
            f"{source} changed since {project.path} was made from it "
            f"({len(held.frame):,} rows then, {len(now.frame):,} now)"
        )
    else:
        why = (
            f"{project.path} holds another table ({Path(made_from).name}, "
            f"{len(held.frame):,} rows) than {source} ({len(now.frame):,} rows)"
        )
    raise LlmstudioError(
        f"{why}: give --project a new file for this table, or run on the "
        f"project itself (llmstudio annotate {project.path})"
    )


def _writable(path: Path) -> None:
    """Refuse a project that could not be written, before any model is loaded."""
    folder = path.parent if not path.exists() else path
    if not os.access(folder if folder != Path("") else Path("."), os.W_OK):
        raise LlmstudioError(
            f"{path}: cannot write the project here (no permission); "
            "give --project PATH in a folder you can write to"
        )


def open_target(args: argparse.Namespace, tmp: str) -> tuple[Project, str]:
    """The project a run goes into, and how to name it to the user: FILE itself when it
    is a project, ``--project``, a project beside FILE (neither ``--out`` nor
    ``--project``: paid answers are never thrown away), the project an unfinished job
    with ``--out`` alone kept beside OUT (``kept``: see :func:`_keep_unfinished`), or a
    temporary one (``--out``)."""
    source = Path(args.file)
    if not source.exists():
        raise LlmstudioError(f"{source}: no such file")
    if is_project(source):
        if args.project and Path(args.project).resolve() != source.resolve():
            raise UsageError(f"{source} is a project already: leave out --project")
        _writable(source)
        return Project.open(source), "given"
    if args.project:
        path, how = Path(args.project), "given"
    elif args.out and _beside(source, Path(args.out)).exists():
        path, how = _beside(source, Path(args.out)), "kept"
    elif args.out:
        path, how = Path(tmp) / f"annotate{SUFFIX}", "temporary"
    else:
        path, how = _beside(source), "beside"
    if path.exists():
        _writable(path)
        return _open_for(path, source, args), how
    # Beside its file, a project names the file absolutely: found again from any folder.
    corpus = read_source(source.resolve() if how != "given" else source, args, said=source)
    check_has_rows(corpus, source)
    _writable(path)
    try:
        return Project.create(path, corpus, replace=False), how
    except ProjectExists:
        # Another llmstudio made it while this one read FILE: use it, as if found (the
        # run lock then keeps the two from asking for the same rows).
        return _open_for(path, source, args), how


def _open_for(path: Path, source: Path, args: argparse.Namespace) -> Project:
    """The existing project at ``path``, refused unless it holds FILE's table."""
    project = Project.open(path)
    try:
        _check_same_table(project, source, args)
    except LlmstudioError:
        project.close()
        raise
    return project


def rows_kept(project: Project, how: str, args: argparse.Namespace, runs: list[int]) -> str | None:
    """Where the rows an unfinished job answered are, and what the same command does
    next; None when no row was answered. A job with ``--out`` alone keeps its temporary
    project beside OUT (see :func:`_keep_unfinished`) so that the same command asks only
    the rest."""
    from ..core.results import answered_count

    answered = answered_count(project, runs[0]) if runs else 0
    if not answered:
        return None
    rows = f"the {answered:,} rows answered are" if answered > 1 else "the 1 row answered is"
    if how != "temporary":
        return f"{rows} kept in {project.path} (the same command asks only the rest)"
    kept = _keep_unfinished(project, args)
    return (
        f"{rows} kept in {kept}"
        + (f" and written to {args.out}" if Path(args.out).exists() else "")
        + " (the same command asks only the rest)"
    )


def _keep_unfinished(project: Project, args: argparse.Namespace) -> Path:
    """Copy the temporary project of an unfinished job with ``--out`` alone beside OUT
    (``results.csv`` -> ``results.llmstudio``), where the same command finds it again
    (:func:`open_target`): the answers paid for are not asked again."""
    path = _beside(Path(args.file), Path(args.out))
    project.save_as(path).close()
    return path
