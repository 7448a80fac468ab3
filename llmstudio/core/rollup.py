"""Results on units (sentences, paragraphs, windows) rolled up to their documents.

A corpus with a ``document`` column (a units corpus, or any table of one's own with one)
gets a document-level frame: one row per document, in the order documents first occur,
with ``units`` (how many rows it has), the document's metadata (the columns constant
within every document; a column that varies is left out and named in a note), then per
result: the number of units with a result, the share of those units with each code
(multi-label: each code's share; missing results are not zeros, they are left out of the
share), and for a sentiment run the mean signed sentiment. Shares of units are
descriptive: a long document weighs no more than a short one, and the shares are not
estimates for the document as a whole. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .annotated import ColumnInfo
from .chart_data import SignedSentiment, labels_of
from .human_codes import SEPARATOR

DOCUMENT = "document"
UNITS = "units"
# A units corpus's own columns: per unit by definition, never document metadata.
UNIT_COLUMNS = ("unit", "unit_start", "unit_end")
METHOD = (
    "Results on units were rolled up to documents: per document the number of units, "
    "per result the number of units with a result (units without one, not yet run or "
    "failed, are left out, not counted as zeros), the share of those units with each "
    "code (multi-label codebooks: each code's share on its own), and for sentiment the "
    "mean signed sentiment of the units (P(positive) − P(negative) where the model gave "
    "probabilities, else the label's valence: positive +1, neutral 0, negative −1). "
    "Each unit weighs the same; shares are descriptive, not estimates."
)


@dataclass(frozen=True)
class UnitResult:
    """One result read per unit. ``kind``: "codes" (one column of codes: a label, or a
    coder's codes, ``"a; b"`` when ``multi``), "applies" (a multi-label run's 0/1 column
    per code: ``columns`` with the code names in ``codes``) or "signed" (a sentiment
    run's label column, then its valence column if any; ``scheme``: the run's labels)."""

    title: str
    kind: str
    columns: tuple[str, ...]
    codes: tuple[str, ...] = ()
    multi: bool = False
    scheme: tuple[str, ...] = ()
    source: str = ""
    about: str = ""  # where it came from ("sentiment with builtin, run 1..."), said last


@dataclass
class Rollup:
    """The document-level frame, a description of each of its columns (as the annotated
    export describes its own), notes on what was left out, and each document's unit row
    ids (row positions of the units corpus) for a view to filter to."""

    frame: pd.DataFrame
    info: list[ColumnInfo]
    notes: list[str] = field(default_factory=list)
    rows: dict[str, np.ndarray] = field(default_factory=dict)


def has_documents(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` has a ``document`` column with a document on several rows (what
    a roll-up is for; one row per document has nothing to roll up)."""
    if DOCUMENT not in frame.columns:
        return False
    ids = frame[DOCUMENT].dropna()
    return bool(len(ids)) and bool(ids.duplicated().any())


def roll_up(
    frame: pd.DataFrame,
    results: list[UnitResult] = (),
    *,
    text_column: str | None = None,
    metadata: list[str] | None = None,
    unit_word: str = "units",
) -> Rollup:
    """``frame`` (one row per unit, with a ``document`` column) rolled up to one row per
    document. ``results``: what to summarise (``rollup_export.project_results`` reads a
    project's); ``metadata``: the columns that may be document metadata (default: all
    but the results' columns). Raises ``LlmstudioError`` when there is no ``document``
    column."""
    from .errors import LlmstudioError

    if DOCUMENT not in frame.columns:
        raise LlmstudioError(
            f"no {DOCUMENT!r} column: results roll up to documents only in a corpus with a "
            f"{DOCUMENT!r} column naming each row's document (split documents into units "
            "first, or add such a column); its columns are: "
            + ", ".join(map(str, frame.columns[:20]))
        )
    frame = frame.reset_index(drop=True)
    ids = frame[DOCUMENT]
    notes: list[str] = []
    missing = ids.isna() | (ids.astype(str).str.strip() == "")
    if missing.any():
        notes.append(
            f"{int(missing.sum()):,} {unit_word} have no document id and are left out of "
            "the roll-up"
        )
    kept = frame.index[~missing.to_numpy()]
    keys = _document_keys(ids.loc[kept])
    order = list(pd.unique(keys))
    positions = keys.index.to_numpy()
    rows = {doc: positions[at] for doc, at in keys.groupby(keys, sort=False).indices.items()}
    out: dict[str, pd.Series] = {DOCUMENT: pd.Series(order, dtype=object)}
    info = [ColumnInfo(DOCUMENT, "original", "the document's id")]
    varying = []
    skip = {DOCUMENT, text_column, *UNIT_COLUMNS}
    skip |= {c for result in results for c in result.columns}
    for column in frame.columns if metadata is None else metadata:
        if column in skip:
            continue
        constant, first = _constant(frame[column].loc[kept], keys)
        if constant:
            out[str(column)] = first.reindex(order).reset_index(drop=True)
            info.append(
                ColumnInfo(str(column), "original", "document metadata (the same in each unit)")
            )
        else:
            varying.append(str(column))
    if varying:
        notes.append("left out, as they vary within a document: " + ", ".join(map(repr, varying)))
    counts = keys.groupby(keys, sort=False).size().reindex(order)
    out[UNITS] = pd.Series(counts.to_numpy(), dtype="int64")
    info.append(ColumnInfo(UNITS, "roll-up", f"how many {unit_word} (rows) the document has"))
    for result in results:
        for name, values, about in _summaries(frame, result, keys, order, unit_word):
            name = _free(name, out)
            out[name] = values
            if result.about:
                about += f"; {result.about}"
            info.append(ColumnInfo(name, result.source or "roll-up", about))
    table = pd.DataFrame(out)
    return Rollup(table, info, notes, rows)


def _free(name: str, taken) -> str:
    candidate, k = name, 1
    while candidate in taken:
        k += 1
        candidate = f"{name} ({k})"
    return candidate


def _count(n: int, unit_word: str) -> str:
    """ "1 unit", "7 units" (``unit_word`` is plural)."""
    return f"{n:,} {unit_word[:-1] if n == 1 and unit_word.endswith('s') else unit_word}"


def _constant(values: pd.Series, keys: pd.Series) -> tuple[bool, pd.Series]:
    """Whether ``values`` is the same in every unit of each document (a missing value
    counts as a value of its own), and each document's value."""
    values = values.loc[keys.index]
    try:
        distinct = values.groupby(keys, sort=False).nunique(dropna=False)
    except TypeError:  # lists, maps: compared as text
        distinct = values.map(repr).groupby(keys, sort=False).nunique(dropna=False)
    return bool((distinct <= 1).all()), values.groupby(keys, sort=False).first()


def _document_keys(ids: pd.Series) -> pd.Series:
    """The document ids as text: 1.0 and 1 are one document (text ids as they are)."""
    if ids.map(type).eq(str).all():
        return ids.astype(str)
    return labels_of(ids)


def _code_table(result: UnitResult, values: pd.Series) -> pd.DataFrame:
    """One row per unit with a result, one 0/1 column per code (the result's codes in
    their order, then codes seen that it does not name, most frequent first)."""
    present = labels_of(values)
    if result.multi:
        codes = present.str.split(SEPARATOR, regex=False).explode().str.strip()
    else:
        codes = present.str.strip()
    codes = codes[codes.notna() & (codes != "")]
    seen = codes.value_counts().index
    names = list(result.codes) + [c for c in seen if c not in result.codes]
    table = pd.get_dummies(codes, dtype=float).groupby(level=0).max()
    return table.reindex(index=present.index, columns=names, fill_value=0.0)


def _summaries(frame, result: UnitResult, keys, order, unit_word):
    """(column name, values by document, description) for one result."""
    with_result = f"{result.title}: {unit_word} with a result"

    def per_document(indicator: pd.DataFrame):
        grouped = indicator.groupby(keys.loc[indicator.index], sort=False)
        return grouped

    if result.kind == "signed":
        label, *valence = result.columns
        signed = SignedSentiment(
            frame[label], frame[valence[0]] if valence else None, result.scheme
        )
        scores, from_probabilities, from_labels = signed.values()
        scores = scores[scores.index.isin(keys.index)]
        grouped = scores.groupby(keys.loc[scores.index], sort=False)
        how = (
            f"P(positive) − P(negative) for {_count(from_probabilities, unit_word)}"
            if from_probabilities
            else ""
        )
        if from_labels:
            how += ("; " if how else "") + (
                f"the label's valence (positive +1, neutral 0, negative −1; on the 5-point "
                f"scale ±0.5 and ±1) for {_count(from_labels, unit_word)} without probabilities"
            )
        yield (
            f"{result.title}: mean signed sentiment",
            grouped.mean().reindex(order).reset_index(drop=True),
            f"mean signed sentiment (−1 to 1) of the document's {unit_word} with a "
            f"result: {how or 'no unit has one'}",
        )
        return
    if result.kind == "applies":
        table = pd.DataFrame(
            {
                code: pd.to_numeric(frame[c], errors="coerce")
                for code, c in zip(result.codes, result.columns)
            }
        )
        table = table.loc[keys.index].dropna(how="all")
        table = (table == 1).astype(float)
    else:
        table = _code_table(result, frame[result.columns[0]])
        table = table[table.index.isin(keys.index)]
    grouped = per_document(table)
    n = grouped.size().reindex(order).fillna(0).astype("int64").reset_index(drop=True)
    yield (
        with_result,
        n,
        f"how many of the document's {unit_word} have a result (the others, not yet run or "
        "failed or not coded, are left out of the shares below, not counted as zeros)",
    )
    shares = grouped.mean().reindex(order).reset_index(drop=True)
    for code in table.columns:
        yield (
            f"{result.title}: share of {unit_word} coded {code}",
            shares[code] if code in shares else pd.Series(np.nan, index=range(len(order))),
            f"share of the document's {unit_word} with a result that are coded {code!r} "
            f"(0 to 1; descriptive: each unit weighs the same)",
        )
