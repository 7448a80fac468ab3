"""A table of metadata keyed by file name, joined to the documents: :func:`join_metadata`.

The key column is the first one named ``document``, ``file``, ``filename``, ``file_name``
or ``path`` (any case), else the table's first column. A key matches a document whose path
(relative to the folder imported) is the key, or whose file name is. A key that matches
no document, or two documents (the same name in two subfolders: give the path then), and
a key given twice, stop the import with the rows named: joining by guess would put one
document's metadata on another.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pandas as pd

from ..cells import as_text
from ..corpus import read_table
from ..errors import CorpusError
from ..read_problems import Problem, unique_names

KEY_NAMES = ("document", "file", "filename", "file_name", "path")
LISTED = 5


def _key_column(frame: pd.DataFrame) -> str:
    for name in frame.columns:
        if str(name).strip().lower() in KEY_NAMES:
            return name
    return frame.columns[0]


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - LISTED:,} more" if len(items) > LISTED else ""
    return ", ".join(items[:LISTED]) + more


def join_metadata(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """``frame`` (one row per document) with the columns of the table at ``path`` joined in
    by file name; the notes to report (documents without a row, renamed columns)."""
    table = read_table(path).frame
    if table.empty:
        raise CorpusError(path, "the metadata table has no rows")
    key = _key_column(table)
    documents = [str(d) for d in frame["document"]]
    by_path = {d: i for i, d in enumerate(documents)}
    by_name: dict[str, list[int]] = {}
    for i, d in enumerate(documents):
        by_name.setdefault(PurePosixPath(d).name, []).append(i)
    # Row numbers as the user sees them in a spreadsheet: the header is row 1.
    unknown, ambiguous, repeated = [], [], []
    match: dict[int, int] = {}  # document -> metadata row
    seen: dict[str, int] = {}
    for r, value in enumerate(table[key]):
        name = as_text(value).strip().replace("\\", "/")
        row = r + 2
        if not name:
            unknown.append(f"(empty) (row {row})")
            continue
        if name in seen:
            repeated.append(f"{name!r} (rows {seen[name]} and {row})")
            continue
        seen[name] = row
        # A path names one document; a bare name, every document of that name.
        hits = [by_path[name]] if name in by_path and "/" in name else by_name.get(name, [])
        if not hits:
            unknown.append(f"{name!r} (row {row})")
        elif len(hits) > 1:
            places = ", ".join(documents[i] for i in hits[:3])
            ambiguous.append(f"{name!r} (row {row}: {places})")
        elif hits[0] in match:
            repeated.append(f"{name!r} (row {row}: {documents[hits[0]]} has a row already)")
        else:
            match[hits[0]] = r
    errors = []
    if unknown:
        errors.append(
            f"{len(unknown):,} key(s) in column {key!r} match no document: {_listed(unknown)}"
        )
    if ambiguous:
        errors.append(
            f"{len(ambiguous):,} key(s) match several documents (give the path within "
            f"the folder instead): {_listed(ambiguous)}"
        )
    if repeated:
        errors.append(f"{len(repeated):,} document(s) are given twice: {_listed(repeated)}")
    if errors:
        raise CorpusError(path, "; ".join(errors))
    notes: list[Problem] = []
    extra = table.drop(columns=[key])
    names = unique_names([*map(str, frame.columns), *map(str, extra.columns)])[len(frame.columns) :]
    for old, new in zip(extra.columns, names, strict=True):
        if str(old) != new:
            notes.append(
                Problem(
                    f"{path.name}: its column {str(old)!r} is named {new!r} "
                    "(the documents have one)"
                )
            )
    extra.columns = names
    order = [match.get(i) for i in range(len(frame))]
    missing = [documents[i] for i, r in enumerate(order) if r is None]
    if missing:
        notes.append(
            Problem(f"{len(missing):,} document(s) have no row in {path.name}: {_listed(missing)}")
        )
    picked = extra.reindex([-1 if r is None else r for r in order])
    picked.index = frame.index
    return pd.concat([frame, picked], axis=1), notes
