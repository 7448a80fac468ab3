"""Agreement on coded passages in a project: per code, between coders, over characters.

Which rows count for a coder: the rows the coder *looked at*, that is, gave a row code
(a click, even one taken back again, or the codebook's "none" code) or marked a passage on
(even one removed since). A row that two coders looked at counts for their pair; a row
one of them never touched does not (it says nothing about what they would have marked).
So a coder who only marks passages and passes rows with nothing to mark should give
those rows a row code ("none"): otherwise their absence of passages is not counted.
On a row that counts, every character is a unit, coded or not for the code: a row where
neither coder marked the code agrees on absence, which is why
:mod:`.stats.passage_agreement` also gives positive specific agreement (coded characters
only). Offsets count in the column the passages were marked in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import human_codes
from . import passages as stored_passages
from .codebook import Codebook
from .errors import StatsError
from .progress import Monitor
from .project import Project
from .stats.passage_agreement import NO_COMMON_ROWS, PassageAgreement, RowSpans, passage_agreement
from .wording import counted

__all__ = [
    "METHOD",
    "NOT_USED",
    "CodeAgreement",
    "agreement_on_passages",
    "left_out_text",
    "looked_at",
]

METHOD = (
    "unit = character of the rows both coders looked at (a row code or a passage by "
    "each); a character is coded when a passage of the code covers it; percentile "
    "bootstrap 95% CIs resample rows, since characters of one row are not independent"
)

# A code no coder marked: every character agrees on absence, so the statistics would read
# as perfect agreement on a code nobody used.
NOT_USED = "not used by these coders"


@dataclass(frozen=True)
class CodeAgreement:
    """One code's agreement (``result``), or why there is none (``problem``); ``used``
    is False for a code none of the coders marked (no statistics then)."""

    code: str
    result: PassageAgreement | None
    problem: str = ""
    used: bool = True

    def to_dict(self) -> dict:
        if self.result is None:
            return {"code": self.code, "used": self.used, "problem": self.problem}
        return {**self.result.to_dict(), "used": True}


def left_out_text(found: Sequence[CodeAgreement]) -> str:
    """ "1 pair of coders left out (no row both coders looked at): ana / cid": the pairs
    without statistics in ``found`` (the same for every code, as rows looked at do not
    depend on the code); "" when none."""
    pairs = next((c.result.pairs_left_out for c in found if c.result is not None), [])
    if not pairs:
        return ""
    names = ", ".join(" / ".join(p) for p in pairs)
    return f"{counted(len(pairs), 'pair')} of coders left out ({NO_COMMON_ROWS}): {names}"


def looked_at(project: Project, codebook: str, coder: str) -> set[int]:
    """The rows ``coder`` looked at in ``codebook``: a row-code click or a passage, ever."""
    rows = {c.row_id for c in human_codes.current(project, codebook, coder)}
    rows |= {p.row_id for p in stored_passages.find(project, codebook, coder=coder, removed=True)}
    return rows


def _lengths(project: Project, column: str, rows: set[int]) -> dict[int, int]:
    values = project.corpus().frame[column]
    out = {}
    for row in rows:
        value = values.iloc[row]
        out[row] = len(value) if isinstance(value, str) else 0
    return out


def _column(project: Project, found: list) -> str:
    columns = sorted({p.text_column for p in found})
    if len(columns) > 1:
        raise StatsError(
            f"passages were marked in different text columns ({', '.join(map(repr, columns))})"
            ": agreement compares passages of one text"
        )
    return columns[0] if columns else project.text_column


def agreement_on_passages(
    project: Project,
    book: Codebook,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    *,
    children: bool = False,
    n_resamples: int = 1000,
    seed: int | None = 0,
    monitor: Monitor | None = None,
) -> list[CodeAgreement]:
    """Per code of ``book`` (or of ``codes``), the agreement of ``coders`` (None: everyone
    with passages) over characters; ``children``: a code's passages include those of the
    codes under it. StatsError for fewer than two coders or an unknown code or coder."""
    coders = list(coders) if coders is not None else stored_passages.coders(project, book.name)
    if len(coders) < 2:
        raise StatsError(
            f"agreement on passages needs two coders with passages in {book.name!r}; "
            f"found {', '.join(map(repr, coders)) or 'none'}"
        )
    codes = list(codes) if codes is not None else list(book.names)
    if unknown := [c for c in codes if c not in book.names]:
        raise StatsError(f"{', '.join(map(repr, unknown))} not in codebook {book.name!r}")
    seen = {c: looked_at(project, book.name, c) for c in coders}
    if empty := [c for c in coders if not seen[c]]:
        raise StatsError(f"{', '.join(map(repr, empty))} coded no row in {book.name!r}")
    found = [p for c in coders for p in stored_passages.find(project, book.name, coder=c)]
    column = _column(project, found)
    rows = sorted(r for r in set().union(*seen.values()) if sum(r in s for s in seen.values()) > 1)
    lengths = _lengths(project, column, set(rows))
    out = []
    for code in codes:
        if monitor is not None:
            monitor.check()
        wanted = set(book.descendants(code) if children else (code,))
        spans: dict[tuple[str, int], list] = {}
        for p in found:
            if p.code in wanted:
                spans.setdefault((p.coder, p.row_id), []).append((p.start, p.end))
        if not spans:
            out.append(CodeAgreement(code, None, NOT_USED, used=False))
            continue
        units = [
            RowSpans(
                lengths[r],
                [spans.get((c, r), []) if r in seen[c] else None for c in coders],
            )
            for r in rows
            if lengths[r]
        ]
        try:
            result = passage_agreement(
                units, coders, code, n_resamples=n_resamples, seed=seed, monitor=monitor
            )
            out.append(CodeAgreement(code, result))
        except StatsError as exc:
            out.append(CodeAgreement(code, None, str(exc)))
    return out
