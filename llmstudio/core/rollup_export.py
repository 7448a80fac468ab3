"""A project's results rolled up to documents (:mod:`llmstudio.core.rollup`): which of
its annotated table's columns are results per unit, the document-level export
(``llmstudio export --level document``) and what the methods record says of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .annotated import (
    ColumnInfo,
    annotated_format,
    annotated_table,
    columns_sheet,
    run_results_columns,
    write_stata,
)
from .chart_data import has_valence
from .errors import ExportError, LlmstudioError
from .export import export_table
from .project import Project
from .results import code_names, describe_run
from .rollup import DOCUMENT, METHOD, Rollup, UnitResult, roll_up
from .runs import run_params
from .store import meta
from .store import runs as stored_runs

LEVELS = ("unit", "document")
EXPORT_KEY = "rollup_export"  # meta: the last document-level export, for the methods record


def project_results(project: Project, info: list[ColumnInfo]) -> list[UnitResult]:
    """The results per unit in the annotated table described by ``info``: each run's
    label (and a sentiment run's signed score), each multi-label run's codes, each
    coder's codes. Errors, scores, memos and texts are not rolled up."""
    by_source: dict[str, list[ColumnInfo]] = {}
    for column in info:
        by_source.setdefault(column.source, []).append(column)
    out: list[UnitResult] = []
    for source, columns in by_source.items():
        if source.startswith("run "):
            out += _run_results(project, int(source.split()[1]), columns)
        elif source.startswith("coder "):
            books = _coder_books(project)
            out += [
                UnitResult(
                    c.name,
                    "codes",
                    (c.name,),
                    c.codes or _book_codes(books, c.name),
                    not c.codes,
                    source=source,
                    about=c.description,
                )
                for c in columns
                if c.coded
            ]
    return out


def _coder_books(project: Project) -> dict[str, tuple[str, ...]]:
    """A multi-label coder column's name (``human_<book>_<coder>``, perhaps with a
    ``_2`` the table added) -> its codebook's codes in order, "none" last."""
    from .annotated import _human_sources
    from .codebook import NONE_CODE

    out: dict[str, tuple[str, ...]] = {}
    for name, (book, _coder) in _human_sources(project).items():
        try:
            codebook = project.codebook(book)
        except LlmstudioError:  # a deleted codebook: its codes as they occur
            continue
        if codebook.multi_label:
            codes = (*codebook.names, NONE_CODE)
            out[name] = codes
    return out


def _book_codes(books: dict[str, tuple[str, ...]], column: str) -> tuple[str, ...]:
    """The codes of ``column``'s codebook (``books`` from :func:`_coder_books`)."""
    import re

    for name, codes in books.items():
        if re.fullmatch(re.escape(name) + r"(_\d+)?", column):
            return codes
    return ()


def _run_results(project: Project, run_id: int, columns: list[ColumnInfo]) -> list[UnitResult]:
    task, params = stored_runs.fields(project.db, run_id, "task", "params")
    params = run_params(project, run_id, params)
    names = dict(zip(run_results_columns(project, run_id), (c.name for c in columns)))
    by_name = {c.name: c for c in columns}
    source = f"run {run_id}"
    about = f"of {describe_run(project, run_id)}"
    out = []
    label = names.get(f"{task}_label")
    if label is not None:
        out.append(
            UnitResult(label, "codes", (label,), by_name[label].codes, source=source, about=about)
        )
        scheme = tuple(str(x) for x in params.get("labels") or ())
        if (params.get("task") or task) == "sentiment" and has_valence(scheme):
            valence = names.get(f"{task}_valence")
            out.append(
                UnitResult(
                    label,
                    "signed",
                    (label,) + ((valence,) if valence else ()),
                    scheme=scheme,
                    source=source,
                    about=about,
                )
            )
    slugs = code_names(params)
    applies = [(slugs[o[len(task) + 1 :]], n) for o, n in names.items() if by_name[n].applies]
    if applies:
        first = applies[0][1]
        title = task + first[len(f"{task}_{_slug_of(applies[0][0], slugs)}") :]
        out.append(
            UnitResult(
                title,
                "applies",
                tuple(n for _c, n in applies),
                tuple(c for c, _n in applies),
                source=source,
                about=about,
            )
        )
    return out


def _slug_of(code: str, slugs: dict[str, str]) -> str:
    return next(slug for slug, name in slugs.items() if name == code)


def project_rollup(project: Project) -> Rollup:
    """The project's annotated table rolled up to its documents (LlmstudioError when its
    corpus has no ``document`` column)."""
    frame, info = annotated_table(project)
    return roll_up(
        frame,
        project_results(project, info),
        text_column=project.meta("text_column"),
        metadata=[c.name for c in info if c.source == "original"],
    )


def check_level(level: str, project: Project | None = None) -> None:
    """Refuse an unknown level, or ``document`` for a project whose corpus has no
    ``document`` column (UsageError-worthy: ExportError with what to do)."""
    if level not in LEVELS:
        raise ExportError(f"unknown level {level!r}; use {' or '.join(LEVELS)}")
    if level == "document" and project is not None:
        columns = [str(c) for c in project.columns]
        if DOCUMENT not in columns:
            raise ExportError(
                f"{Path(project.path).name}: --level document needs a corpus with a "
                f"{DOCUMENT!r} column naming each row's document (imported documents split "
                "into units have one); this corpus's columns are: " + ", ".join(columns[:20])
            )


def export_documents(
    project: Project, path: str | Path, *, guard: bool = True, bom: bool = False
) -> tuple[Path, Rollup]:
    """Write the results rolled up to documents to ``path`` (.csv .xlsx .parquet .dta;
    XLSX gets the sheets "columns" and "notes"), and remember it for the methods record."""
    annotated_format(path)  # a wrong suffix: before any work
    check_level("document", project)
    rollup = project_rollup(project)
    path = write_rollup(rollup, path, guard=guard, bom=bom)
    _remember(project, path, rollup)
    return path, rollup


def write_rollup(
    rollup: Rollup, path: str | Path, *, guard: bool = True, bom: bool = False
) -> Path:
    """Write a rolled-up frame to ``path`` (.csv .xlsx .parquet .dta); XLSX gets the
    sheets "columns" (what each column is) and "notes" (how units were rolled up, what
    was left out)."""
    fmt = annotated_format(path)
    if fmt == "dta":
        return write_stata(rollup.frame, rollup.info, path)
    extra = None
    if fmt == "xlsx":
        notes = pd.DataFrame({"note": [METHOD, *rollup.notes]})
        extra = {"columns": columns_sheet(rollup.info), "notes": notes}
    return export_table(rollup.frame, path, fmt=fmt, guard=guard, bom=bom, extra_sheets=extra)


def _remember(project: Project, path: Path, rollup: Rollup) -> None:
    record = {
        "file": path.name,
        "made": datetime.now(UTC).isoformat(timespec="seconds"),
        "documents": len(rollup.frame),
        "units": int(rollup.frame["units"].sum()) if len(rollup.frame) else 0,
        "notes": rollup.notes,
    }
    with project.db:
        meta.put(project.db, EXPORT_KEY, json.dumps(record))


def methods_section(doc, project: Project) -> None:
    """The methods record's "Results per document" section: how units were rolled up,
    when a document-level export was made (nothing otherwise)."""
    text = project.meta(EXPORT_KEY)
    if not text:
        return
    try:
        record = json.loads(text)
    except ValueError:
        record = {}
    doc.h(2, "Results per document")
    doc.p(
        f"A document-level table ({record.get('file', '?')}, made {record.get('made', '?')}) "
        f"rolled {record.get('units', 0):,} units up to {record.get('documents', 0):,} "
        f"documents. {METHOD}"
    )
    for note in record.get("notes") or ():
        doc.p(f"Note: {note}.")


def table_rollup(project: Project | None, frame: pd.DataFrame, text_column: str | None) -> Rollup:
    """What the window shows rolled up: the project's results (:func:`project_rollup`),
    or a table without a project (its own columns only: units and metadata)."""
    if project is not None:
        return project_rollup(project)
    return roll_up(frame, text_column=text_column)
