"""A corpus split into units (paragraphs, sentences, windows of words): one row per unit.

:func:`split_corpus` turns any corpus with a text column (imported documents or a table)
into a *units corpus* with the columns

- ``document``: the source row's ``document`` value, or its row number (1-based) when the
  source has no ``document`` column;
- ``unit``: the unit's position in its document (1-based);
- ``unit_start``, ``unit_end``: ``str`` offsets into the source text (end excluded), so
  ``source_text[unit_start:unit_end] == text``;
- ``text``: the unit's text;
- then every other column of the source row (the document's metadata travel along).

The roll-up of results to documents (``core.rollup``) keys on ``document`` and ``unit``.

A project holds one corpus, so a units corpus is stored as a new project *linked* to its
source: :func:`save_units_project` records what it was split from (the source's path,
the fingerprint of its texts, the unit spec, the splitter) in the project's meta
(``units``) and history; :func:`units_sentence` is what the methods record says of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import __version__
from .cells import as_text
from .corpus import Corpus
from .errors import UsageError
from .progress import Monitor
from .read_problems import STRING_DTYPE, Problem
from .units import SENTENCEX_LANGUAGES, UnitSpec, parse_unit

UNIT_COLUMNS = ["document", "unit", "unit_start", "unit_end", "text"]
META_KEY = "units"  # the project meta key holding :class:`UnitsInfo` as JSON
# How often the progress is reported and cancel checked (documents).
_REPORT_EVERY = 50


def spec_text(spec: UnitSpec) -> str:
    """``spec`` as the user writes it: ``sentence``, ``sentence:de``, ``words:200:50``.
    (Units projects made before sentencex was the default say ``sentence`` for the
    rules; their ``splitter`` says which.)"""
    if spec.kind == "sentence":
        language = f":{spec.language}" if spec.language != "en" else ""
        if spec.splitter == "sentencex":
            return f"sentence{language}"
        return f"sentence:{spec.splitter}" + (language if spec.splitter == "pysbd" else "")
    if spec.kind != "words":
        return spec.kind
    return f"words:{spec.size}" + (f":{spec.overlap}" if spec.overlap else "")


def splitter_name(spec: UnitSpec) -> str:
    """How the texts were split, for the methods record."""
    if spec.kind == "sentence" and spec.splitter == "pysbd":
        import pysbd

        return f"sentences (pysbd {pysbd.__version__}, language {spec.language}, within paragraphs)"
    if spec.kind == "sentence" and spec.splitter == "sentencex":
        from importlib.metadata import version

        own = (
            ""
            if spec.language in SENTENCEX_LANGUAGES
            else ": no rules of its own for it, so those of a related language or generic ones"
        )
        return (
            f"sentences (sentencex {version('sentencex')}, language {spec.language}{own}; "
            "within paragraphs)"
        )
    if spec.kind == "sentence":
        return (
            f"sentences (llmstudio {__version__} rules: sentence-final punctuation "
            "before a capital, with an abbreviation list; within paragraphs)"
        )
    if spec.kind == "paragraph":
        return "paragraphs (blocks separated by blank lines)"
    overlap = f", overlapping by {spec.overlap}" if spec.overlap else ""
    return f"windows of {spec.size} words{overlap}"


def corpus_fingerprint(corpus: Corpus) -> str:
    """A SHA-256 of the corpus's texts (in order): the same texts, the same fingerprint,
    so a units project can tell whether its source changed since it was split."""
    digest = hashlib.sha256()
    for value in corpus.frame[corpus.text_column]:
        digest.update(as_text(value).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")  # a separator no text holds: "ab","c" differs from "a","bc"
    return digest.hexdigest()


def _renamed(name: str, taken: set[str]) -> str:
    """A source column whose name the units corpus uses: kept as ``name (document)``."""
    new, k = f"{name} (document)", 2
    while new in taken:
        new, k = f"{name} (document {k})", k + 1
    return new


def split_corpus(corpus: Corpus, spec: UnitSpec | str, monitor: Monitor | None = None) -> Corpus:
    """``corpus``'s texts split into units as a new corpus (see the module's docstring);
    documents without any text give no unit and are listed in the result's problems.
    ``monitor`` reports documents done and cancels (``Cancelled``) between documents."""
    spec = parse_unit(spec) if isinstance(spec, str) else spec
    monitor = Monitor.of(monitor)
    frame = corpus.frame
    if corpus.text_column not in frame.columns:
        raise UsageError(f"the corpus has no text column {corpus.text_column!r} to split")
    has_document = "document" in frame.columns
    texts = frame[corpus.text_column]
    documents = frame["document"] if has_document else None
    total = len(frame)
    doc_ids: list = []
    positions: list[int] = []
    numbers: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    unit_texts: list[str] = []
    empty: list[str] = []
    for row in range(total):
        if row % _REPORT_EVERY == 0:
            monitor.check()
            monitor.report(row, total)
        text = as_text(texts.iat[row])
        doc = as_text(documents.iat[row]) if has_document else row + 1
        units = spec.split(text)
        if not units:
            empty.append(str(doc))
            continue
        for unit in units:
            doc_ids.append(doc)
            positions.append(row)
            numbers.append(unit.index + 1)
            starts.append(unit.start)
            ends.append(unit.end)
            unit_texts.append(unit.text)
    monitor.check()
    out = pd.DataFrame(
        {
            "document": pd.array(doc_ids, dtype=STRING_DTYPE if has_document else "int64"),
            "unit": pd.array(numbers, dtype="int64"),
            "unit_start": pd.array(starts, dtype="int64"),
            "unit_end": pd.array(ends, dtype="int64"),
            "text": pd.array(unit_texts, dtype=STRING_DTYPE),
        }
    )
    rest = [c for c in frame.columns if c not in (corpus.text_column, "document")]
    if rest:
        taken = set(UNIT_COLUMNS) | {str(c) for c in rest}
        meta = frame[rest].take(positions).reset_index(drop=True)
        meta.columns = [_renamed(str(c), taken) if c in UNIT_COLUMNS else c for c in rest]
        out = pd.concat([out, meta], axis=1)
    monitor.report(total, total)
    problems = (
        [
            Problem(
                f"{len(empty):,} document(s) without text gave no unit: {', '.join(empty[:10])}"
                + (" ..." if len(empty) > 10 else "")
            )
        ]
        if empty
        else []
    )
    return Corpus(
        frame=out,
        text_column="text",
        source=corpus.source,
        format=corpus.format,
        encoding=corpus.encoding,
        problems=problems,
    )


@dataclass(frozen=True)
class UnitsInfo:
    """What a units project was split from: stored in its meta (:data:`META_KEY`)."""

    split_from: str  # the source project or file
    source_fingerprint: str  # :func:`corpus_fingerprint` of the source when split
    unit: str  # the spec, as :func:`spec_text` writes it
    splitter: str  # :func:`splitter_name`
    units: int
    documents: int
    # ``split_from`` relative to the units project's folder, looked at first: moving the
    # whole folder keeps the link ("" in projects split before it was kept).
    split_from_relative: str = ""

    def sentence(self) -> str:
        """The methods record's sentence on the split."""
        return (
            f"Texts were split into {self.splitter}: {self.units:,} units from "
            f"{self.documents:,} documents (split from {Path(self.split_from).name})."
        )


def units_info(source: Corpus, units: Corpus, spec: UnitSpec, split_from: str) -> UnitsInfo:
    """The :class:`UnitsInfo` of ``units``, split from ``source`` (at ``split_from``)."""
    return UnitsInfo(
        split_from=str(split_from),
        source_fingerprint=corpus_fingerprint(source),
        unit=spec_text(spec),
        splitter=splitter_name(spec),
        units=units.rows,
        documents=source.rows,
    )


def relative_path(target: str | Path, folder: str | Path) -> str:
    """``target`` relative to ``folder``, "/"-separated ("" where there is no such path:
    another drive on Windows): how linked projects find each other after a move."""
    try:
        rel = os.path.relpath(Path(target).absolute(), Path(folder).absolute())
    except ValueError:
        return ""
    return Path(rel).as_posix()


def save_units_project(path: str | Path, units: Corpus, info: UnitsInfo, *, replace: bool = False):
    """Write ``units`` as a new project at ``path`` linked to its source (``info`` in its
    meta and history, the source's path made absolute and also kept relative to
    ``path``'s folder); the open :class:`~.project.Project`. With ``replace=False`` an
    existing file is never overwritten (``ProjectExists``). The source's side of the link
    is ``unit_links.record_units_link``."""
    from .project import Project

    source = Path(info.split_from)
    if source.exists():  # not "(a table not saved)"
        info = dataclasses.replace(
            info,
            split_from=str(source.absolute()),
            split_from_relative=relative_path(source, Path(path).absolute().parent),
        )
    return Project.create(
        path,
        units,
        replace=replace,
        extra_meta=[(META_KEY, json.dumps(info.__dict__))],
        extra_history=[("split into units", info.sentence())],
    )


def stored_units_info(project) -> UnitsInfo | None:
    """The :class:`UnitsInfo` of a units project; None for any other project (or when
    its record cannot be read: then it is not treated as a units project)."""
    return parse_units_info(project.meta(META_KEY))


def parse_units_info(raw: str | None) -> UnitsInfo | None:
    """:class:`UnitsInfo` from its stored JSON (None: absent or unreadable)."""
    if not raw:
        return None
    known = {f.name for f in dataclasses.fields(UnitsInfo)}
    try:  # keys a newer version added are left aside
        return UnitsInfo(**{k: v for k, v in json.loads(raw).items() if k in known})
    except (ValueError, TypeError, AttributeError):
        return None


def units_sentence(project) -> str | None:
    """What the methods record says of how ``project``'s units were made; None when the
    project is not a units project."""
    info = stored_units_info(project)
    return info.sentence() if info else None


# What the table calls the offset columns, and what they mean: "unit_start" reads as a
# column name, not as where the unit is (title, tooltip).
OFFSET_TITLES = {
    "unit_start": (
        "Starts at",
        "Where the unit starts in its document's text: a character offset counted from 0 "
        "(the coding panel counts from 1)",
    ),
    "unit_end": (
        "Ends before",
        "Where the unit ends in its document's text: the offset just after its last "
        "character (the unit is the text from “Starts at” up to here)",
    ),
}


def column_titles(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Readable titles and tooltips of a units corpus's offset columns; none for another
    table (a column of a user's own that happens to be called ``unit_start``)."""
    return OFFSET_TITLES if is_units_frame(frame) else {}


def is_units_frame(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` has the columns of a units corpus (``document``, ``unit``,
    ``unit_start``, ``unit_end``)."""
    return all(c in frame.columns for c in UNIT_COLUMNS[:4])
