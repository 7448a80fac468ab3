"""What gets coded, in the shape QDA programs exchange: (source, start, end, codes, coder,
memo). A row code is a selection over the whole text; a passage is a selection over its
own characters, named ``PASSAGE_PREFIX`` + its text (so that a passage over a whole text
comes back as a passage, not as a row code)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..codebook import NONE_CODE, Codebook
from ..errors import ProjectError
from ..project import Project

MODEL_USER_PREFIX = "model: "
PASSAGE_PREFIX = "passage: "  # a passage's selection name starts with this


@dataclass(frozen=True)
class Coding:
    """One selection of one coder: row ``row_id`` (0-based), characters ``start`` to ``end``
    (code points, end exclusive), the ``codes`` of ``codebook`` given to it (empty: a
    selection that carries only a memo) and the ``memo`` ("" when none)."""

    row_id: int
    start: int
    end: int
    codebook: str
    codes: tuple[str, ...]
    coder: str
    memo: str = ""
    passage_id: int | None = None  # a passage's id (None: a row code or a model's label)
    name: str = ""  # the selection's name ("": the codebook's)
    time: str = ""  # when it was coded (UTC ISO): the date of the selection and its note


def model_user(run_title: str, model: str, column: str = "") -> str:
    """The user a model run's labels are coded by: "model: builtin run 3", or "model:
    lexicon run 1 on 'title'" when the run read another column than the project's text
    (its labels are then about that column, which a QDA program does not show)."""
    on = f" on {column!r}" if column else ""
    return f"{MODEL_USER_PREFIX}{model} {run_title}{on}"


def row_codings(project: Project, texts) -> Iterator[Coding]:
    """Every coder's current coding of every row, codebook by codebook, as whole-text
    selections (``texts``: the corpus's texts, by row id). Rows uncoded again and
    without a memo are left out: there is nothing to exchange."""
    from ..human_codes import current
    from ..store import human_codes as stored_codes

    # A deleted codebook's clicks stay in the project (they come back with it): export them too.
    for name in sorted(set(project.codebooks()) | set(stored_codes.codebooks(project.db))):
        for click in current(project, name):
            if not click.codes and not click.memo:
                continue
            text = texts[click.row_id]
            yield Coding(
                click.row_id, 0, len(text), name, click.codes, click.coder, click.memo,
                time=click.time,
            )  # fmt: skip


def passage_codings(project: Project) -> Iterator[Coding]:
    """Every passage in force, codebook by codebook, one selection each, named
    ``PASSAGE_PREFIX`` + the first 60 characters of its text."""
    from ..passages import find

    frame = project.corpus().frame  # the texts were checked when each passage was stored
    for name in sorted(project.codebooks()):
        for p in find(project, name):
            excerpt = str(frame[p.text_column].iloc[p.row_id])[p.start : p.end]
            label = PASSAGE_PREFIX + (excerpt if len(excerpt) <= 60 else excerpt[:59] + "…")
            yield Coding(
                p.row_id, p.start, p.end, name, (p.code,), p.coder, p.memo, p.id, label, p.created
            )


def run_books(project: Project) -> list[tuple[str, Codebook, dict[int, tuple[str, ...]]]]:
    """Each run with labels, as (its user, the codebook its labels belong to, its codes per
    row). A coding run is read against its codebook (so a QDA program sees the model's
    codes beside the coders'); a run without one (sentiment) gets a codebook of the
    labels it gave, named for the run. Free-text runs (custom prompts) give no codes."""
    from ..results import run_codes
    from ..runs import run_infos

    out = []
    for info in run_infos(project):
        if info.answered == 0:
            continue
        book = None
        if info.codebook:
            try:
                book = project.codebook(info.codebook)
            except ProjectError:
                book = None  # its codebook was deleted: the labels as given below
        if book is None:
            book = _labels_book(project, info)
            if book is None:
                continue
        codes = run_codes(project, info.run_id, book)
        allowed = set(book.labels()) | {NONE_CODE}
        if any(c not in allowed for given in codes.values() for c in given):
            # labels outside the codebook (a model's answer as given): the labels it gave
            book = _labels_book(project, info)
            codes = run_codes(project, info.run_id, book) if book is not None else {}
        if codes:
            column = _run_column(project, info.run_id)
            column = "" if column in ("", project.text_column) else column
            out.append((model_user(info.title, info.model, column), book, codes))
    return out


def _run_column(project: Project, run_id: int) -> str:
    from ..errors import LlmstudioError
    from ..runs import run_settings

    try:
        return run_settings(project, run_id).text_column or ""
    except LlmstudioError:
        return ""  # settings unreadable: the run is still exported, its column unnamed


def _labels_book(project: Project, info) -> Codebook | None:
    from ..runner import run_results

    frame = run_results(project, info.run_id)
    column = frame.get(f"{info.task}_label")
    if column is None:
        return None
    labels = sorted({v.strip() for v in column.dropna() if isinstance(v, str) and v.strip()})
    if not labels:
        return None
    book = Codebook.from_labels(labels)
    return Codebook(codes=book.codes, name=f"{info.title}: {info.task} labels")
