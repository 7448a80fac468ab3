"""The annotated table of a project, exported with a description of every column.

The table is the corpus's own columns in their order, then the model results: the latest
complete run of each task under the plain names (``sentiment_label``...), every other
run's columns (interrupted, trial, replicate, older) with ``_run<N>`` added
(``sentiment_label_run2``) and its state in its description, then the human coders'
codes (``human_<codebook>_<coder>``) and their row memos (``memo_<coder>``;
``memo_<codebook>_<coder>`` for a coder with memos in several codebooks).
:func:`column_info` says where each column came
from (original / run N with its model, task and prompt / coder), which the XLSX export
writes as a second sheet "columns" and the Stata export as variable labels.

Formats: CSV, XLSX, Parquet (:func:`llmstudio.core.export.export_table`) and Stata
``.dta`` (version 118: Unicode, ``strL`` for text over 2,045 characters; code columns as
integers with value labels; variable names made Stata-safe, the original name kept as the
variable label; time-zone-aware dates are written in UTC). Qt-free.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .cells import as_text
from .codebook import flat_codes
from .errors import ExportError, LlmstudioError
from .export import (
    EXCEL_INT_NOTE,
    EXCEL_MAX_EXACT_INT,
    FORMATS,
    check_fits,
    export_table,
    integers_as_text,
    integers_beyond,
)
from .human_codes import coder_columns, memo_column_names, memo_columns
from .leftovers import remove_dead_leftovers
from .nested import structures_as_text
from .project import Project
from .results import code_names, describe_run, named_results, shown_name
from .runs import run_params, stored_json
from .store import human_codes as stored_codes
from .store import runs as stored_runs

ANNOTATED_FORMATS = {**FORMATS, ".dta": "dta"}
STATA_STR_MAX = 2045  # longer text goes to strL
STATA_NAME_MAX = 32
STATA_LABEL_MAX = 80
STATA_MAX_VARIABLES = 32_767  # format 118, as pandas writes it
# Stata has no 64-bit integer type; a double holds every integer only up to 2**53.
STATA_MAX_EXACT_INT = 2**53 - 1  # the largest n with n and n+1 both exact
STATA_INT_NOTE = "text: integers too large for Stata"
STATA_RESERVED = {
    "_all",
    "_b",
    "byte",
    "_coef",
    "_cons",
    "double",
    "float",
    "if",
    "in",
    "int",
    "long",
    "_n",
    "_N",
    "_pi",
    "_pred",
    "_rc",
    "_skip",
    "strL",
    "using",
    "with",
    "str",
}


@dataclass(frozen=True)
class ColumnInfo:
    """One column of the annotated table: ``source`` is "original", "run N" or
    "coder NAME"; ``codes`` the code labels in order for a code column (else empty)."""

    name: str
    source: str
    description: str
    codes: tuple[str, ...] = ()
    coded: bool = False  # a column of codes: Stata gets integers with value labels
    applies: bool = False  # a multi-label run's 0/1 column: Stata labels 0 and 1


def _prompt_summary(prompt: str | None, limit: int = 120) -> str:
    try:
        messages = json.loads(prompt or "[]")
    except ValueError:
        messages = []
    text = " ".join(
        str(m.get("content", ""))
        for m in messages
        if isinstance(m, dict) and m.get("role") != "system"
    ) or " ".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_codes(params: dict) -> tuple[str, ...]:
    book = params.get("codebook") or {}
    if book.get("multi_label"):
        return ()
    labels = params.get("labels") or [c.get("name") for c in flat_codes(book)]
    if book.get("none_option"):
        labels = list(labels) + ["none"]
    return tuple(str(x) for x in labels if x)


def _coder_codes(project: Project, codebook: str) -> tuple[str, ...]:
    try:
        book = project.codebook(codebook)
    except LlmstudioError:  # a deleted codebook: its codes as they occur
        return ()
    return () if book.multi_label else tuple(book.labels())


def output_meaning(task: str, column: str) -> str:
    """What a run's output column means, for the columns whose name does not say it
    (" (...)"; "" for the others)."""
    meaning = {
        f"{task}_chunks": "how many chunks the model read the text in: 1 when it fit in "
        "what the model reads at once; more when it was longer and was "
        "split, the chunks' answers combined",
        f"{task}_truncated": "1 when the text was longer than the model reads at once and "
        "the model read only its start (truncate mode); 0 when it read "
        "all of it",
        f"{task}_valence": "signed sentiment from -1 to 1: P(positive) - P(negative), or on "
        "the 5-point scale the probability-weighted valence (very "
        "negative -1, negative -0.5, neutral 0, positive 0.5, very "
        "positive 1); empty where the model gives no probabilities",
        f"{task}_score": "the model's confidence in its label, not a direction of sentiment",
        f"{task}_lexicon": "the VADER lexicon's label, a baseline to compare with "
        "(--baseline); not the model's answer",
    }.get(column)
    return f" ({meaning})" if meaning else ""


def annotated_table(project: Project) -> tuple[pd.DataFrame, list[ColumnInfo]]:
    """The project's annotated table and a description of each of its columns."""
    frame = project.corpus().frame
    info = [ColumnInfo(str(c), "original", "column of the imported file") for c in frame.columns]
    for run_id, suffix, results in named_results(project, frame.columns):
        task, params, prompt = stored_runs.fields(project.db, run_id, "task", "params", "prompt")
        params = run_params(project, run_id, params)
        names = dict(zip(run_results_columns(project, run_id), results.columns))
        about = describe_run(project, run_id)
        if not suffix:
            about += "; the latest complete run of its task"
        summary = _prompt_summary(prompt)
        slugs = {f"{task}_{slug}": code for slug, code in code_names(params).items()}
        for original, name in names.items():
            what = (
                "error message (rows that failed)"
                if original == f"{task}_error"
                else f"output {original!r}" + output_meaning(task, original)
            )
            applies = original in slugs
            if applies:
                what += f" (code {slugs[original]!r}: 1 applies, 0 does not)"
            codes = _run_codes(params) if original == f"{task}_label" else ()
            info.append(
                ColumnInfo(
                    name,
                    f"run {run_id}",
                    f"{what} of {about}" + (f"; prompt: {summary}" if summary else ""),
                    codes,
                    original == f"{task}_label",
                    applies,
                )
            )
        frame = frame.join(results, how="left")
    human = coder_columns(project)
    if len(human.columns):
        mapping = _human_sources(project)
        renamed = {c: shown_name(c, frame.columns) for c in human.columns}
        for c, name in renamed.items():
            book, coder = mapping.get(c, ("?", "?"))
            info.append(
                ColumnInfo(
                    name,
                    f"coder {coder}",
                    f"codes of coder {coder!r} in codebook {book!r}",
                    _coder_codes(project, book),
                    True,
                )
            )
        frame = frame.join(human.rename(columns=renamed), how="left")
    frame = _join_memos(project, frame, info)
    return frame, info


def run_results_columns(project: Project, run_id: int) -> list[str]:
    """A run's columns as ``runner.run_results`` names them (outputs, then the error)."""
    task, columns = stored_runs.fields(project.db, run_id, "task", "columns")
    return stored_json(project, run_id, "output columns", columns, "[]") + [f"{task}_error"]


def _join_memos(project: Project, frame: pd.DataFrame, info: list[ColumnInfo]) -> pd.DataFrame:
    """The coders' row memos after their codes (``memo_<coder>``), described in ``info``."""
    memos = memo_columns(project)
    if not len(memos.columns):
        return frame
    sources = {name: key for key, name in memo_column_names(project).items()}
    renamed = {c: shown_name(c, frame.columns) for c in memos.columns}
    for c, name in renamed.items():
        book, coder = sources[c]
        info.append(
            ColumnInfo(
                name,
                f"coder {coder}",
                f"memos of coder {coder!r} on rows they coded in codebook "
                f"{book!r} (empty: no memo)",
            )
        )
    return frame.join(memos.rename(columns=renamed), how="left")


def _human_sources(project: Project) -> dict[str, tuple[str, str]]:
    """``human_<book>_<coder>`` -> (codebook, coder), made as ``coder_columns`` makes it."""
    from .codebook import column_slug
    from .human_codes import coders

    out: dict[str, tuple[str, str]] = {}
    for book in stored_codes.codebooks(project.db):
        for coder in coders(project, book):
            name = f"human_{column_slug(book)}_{column_slug(coder)}"
            while name in out:
                name += "_"
            out[name] = (book, coder)
    return out


def columns_sheet(
    info: list[ColumnInfo], stata_names: dict[str, str] | None = None
) -> pd.DataFrame:
    """The "columns" sheet: one row per column of the table."""
    rows = [
        {
            "column": c.name,
            "source": c.source,
            "description": c.description,
            "codes": "; ".join(c.codes),
        }
        for c in info
    ]
    frame = pd.DataFrame(rows, columns=["column", "source", "description", "codes"])
    if stata_names:
        frame["stata_name"] = [stata_names.get(c.name, "") for c in info]
    return frame


def stata_names(columns) -> dict[str, str]:
    """Column -> a Stata variable name: ASCII letters, digits and ``_``, not starting with
    a digit, at most 32 characters, not a reserved word, unique (case-sensitive, as Stata)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        base = re.sub(
            r"[^A-Za-z0-9_]",
            "_",
            str(column).encode("ascii", "ignore").decode()
            if str(column).isascii()
            else _fold(str(column)),
        )
        base = re.sub(r"_+", "_", base).strip("_") or "var"
        if base[0].isdigit():
            base = "v" + base
        base = base[:STATA_NAME_MAX]
        if base in STATA_RESERVED:
            base = (base + "_")[:STATA_NAME_MAX]
        name, k = base, 1
        while name in used:
            k += 1
            tail = f"_{k}"
            name = base[: STATA_NAME_MAX - len(tail)] + tail
        used.add(name)
        out[column] = name
    return out


def _fold(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _stata_frame(frame: pd.DataFrame, info: list[ColumnInfo]):
    """The frame as Stata can hold it: (frame, value labels, strL columns, date columns)."""
    names = stata_names(frame.columns)
    codes = {c.name: c.codes for c in info}
    coded = {c.name for c in info if c.coded}
    applies = {c.name for c in info if c.applies}
    frame = structures_as_text(frame)  # lists, maps, structs: JSON text; binary: base64
    for column in frame.columns:  # the name is the variable label: cut at a NUL too
        if "\x00" in str(column):
            raise ExportError(
                f"the column name {str(column)!r} holds a NUL character "
                f"(U+0000), where a Stata label ends, so Stata would cut it. "
                f"Export as CSV or Parquet instead, or rename the column"
            )
    # Columns are gathered, then made one frame: inserting them one by one into a frame
    # copied it each time (quadratic; a PerformanceWarning per column from 100 on).
    out: dict[str, pd.Series] = {}
    value_labels: dict[str, dict[int, str]] = {}
    strl: list[str] = []
    dates: dict[str, str] = {}
    wide = set(integers_beyond(frame, STATA_MAX_EXACT_INT))
    for position, column in enumerate(frame.columns):
        name = names[column]
        col = frame.iloc[:, position].reset_index(drop=True)
        if column in coded and _is_text(col):
            order = list(codes.get(column, ()))
            seen = sorted({str(v) for v in col.dropna()} - set(order))
            mapping = {label: i + 1 for i, label in enumerate(order + seen)}
            values = col.map(
                lambda v, mapping=mapping: None if v is None or pd.isna(v) else mapping[str(v)]
            )
            out[name] = values.astype("float64") if values.isna().any() else values.astype("int32")
            value_labels[name] = {i: label[:32000] for label, i in mapping.items()}
            continue
        if col.dtype == object and _all_numbers(col):  # e.g. a multi-label run's 0/1
            col = col.astype("float64")
        if (
            column in applies
            and pd.api.types.is_numeric_dtype(col.dtype)
            and set(col.dropna().unique()) <= {0, 1}
        ):
            out[name] = col.astype("float64") if col.isna().any() else col.astype("int8")
            value_labels[name] = {0: "does not apply", 1: "applies"}
            continue
        if pd.api.types.is_bool_dtype(col.dtype):
            out[name] = col.astype("float64") if col.isna().any() else col.astype("int8")
        elif pd.api.types.is_datetime64_any_dtype(col.dtype):
            if getattr(col.dt, "tz", None) is not None:
                col = col.dt.tz_convert("UTC").dt.tz_localize(None)
            out[name] = col.astype("datetime64[ns]")
            dates[name] = "tc"
        elif column in wide:  # Stata has no 64-bit integer: a double would round these
            out[name] = integers_as_text(col.to_frame(), [column])[column].fillna("").astype(object)
        elif pd.api.types.is_numeric_dtype(col.dtype):
            out[name] = (
                col.astype("float64") if col.isna().any() or str(col.dtype)[0] in "IU" else col
            )
        else:
            text = col.map(as_text).astype(object)
            _refuse_nul(text, column)
            out[name] = text
            if max((len(v.encode("utf-8")) for v in text), default=0) > STATA_STR_MAX:
                strl.append(name)
    table = pd.concat(out, axis=1) if out else pd.DataFrame(index=range(len(frame)))
    return table, names, value_labels, strl, dates


def _refuse_nul(text: pd.Series, column) -> None:
    """Stata strings end at a NUL character: the rest of the text would be cut without a
    word. Refused, naming the first cell, so nothing is lost."""
    has_nul = text.str.contains("\x00", regex=False)
    if has_nul.any():
        row = int(has_nul.to_numpy().argmax()) + 1
        count = int(has_nul.sum())
        more = f" (and {count - 1:,} more rows)" if count > 1 else ""
        raise ExportError(
            f"row {row}{more}, column {str(column)!r}: the text holds a NUL "
            f"character (U+0000), where a Stata string ends, so Stata would cut "
            f"it. Export as CSV or Parquet instead, or remove the NUL"
        )


def check_stata_fits(columns: int) -> None:
    """Refuse, before any work, a table with more variables than a .dta file holds."""
    if columns > STATA_MAX_VARIABLES:
        raise ExportError(
            f"{columns:,} columns; a Stata .dta file (format 118) holds at most "
            f"{STATA_MAX_VARIABLES:,} variables. Export as CSV or Parquet "
            f"instead"
        )


def _all_numbers(col: pd.Series) -> bool:
    values = col.dropna()
    return len(values) > 0 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
    )


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col.dtype)


def write_stata(frame: pd.DataFrame, info: list[ColumnInfo], path: str | Path) -> Path:
    """``frame`` as a Stata 14+ ``.dta`` (version 118), atomically."""
    path = Path(path)
    try:
        check_stata_fits(len(frame.columns))
        out, names, value_labels, strl, dates = _stata_frame(frame, info)
    except ExportError as exc:
        raise ExportError(f"{path}: {exc}") from None
    wide = set(integers_beyond(frame, STATA_MAX_EXACT_INT))
    labels = {
        names[c]: _stata_label(c, STATA_INT_NOTE if c in wide else None) for c in frame.columns
    }
    remove_dead_leftovers(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        out.to_stata(
            tmp,
            write_index=False,
            version=118,
            convert_strl=strl,
            variable_labels=labels,
            value_labels=value_labels or None,
            convert_dates=dates or None,
        )
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except (ValueError, TypeError) as exc:
        raise ExportError(f"{path}: cannot be stored as Stata ({exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _stata_label(column, note: str | None) -> str:
    """The variable label: the column's name, then ``note`` (cut to fit, name first)."""
    label = str(column) if note is None else f"{column} ({note})"
    return label[:STATA_LABEL_MAX]


def annotated_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in ANNOTATED_FORMATS:
        raise ExportError(
            f"{path}: unknown export format {suffix or '(no extension)'!r}; "
            f"use {', '.join(ANNOTATED_FORMATS)}"
        )
    return ANNOTATED_FORMATS[suffix]


def check_annotated_fits(path: str | Path, rows: int, columns: int) -> None:
    """Refuse, before any work, a table of ``rows`` x ``columns`` that the format of
    ``path`` cannot hold (Excel's and Stata's limits); ExportError naming the limit."""
    if annotated_format(path) == "dta":
        try:
            check_stata_fits(columns)
        except ExportError as exc:
            raise ExportError(f"{path}: {exc}") from None
    else:
        check_fits(path, rows, columns)


def export_annotated(
    project: Project, path: str | Path, *, guard: bool = True, bom: bool = False
) -> Path:
    """Write the project's annotated table to ``path`` (.csv .xlsx .parquet .dta); XLSX
    gets a second sheet "columns" describing every column."""
    fmt = annotated_format(path)
    # From the project's list of columns: before even the corpus is read.
    check_annotated_fits(path, int(project.meta("rows", "0") or 0), len(project.columns))
    frame, info = annotated_table(project)
    check_annotated_fits(path, len(frame), len(frame.columns))
    if fmt == "dta":
        return write_stata(frame, info, path)
    extra = None
    if fmt == "xlsx":
        sheet = columns_sheet(info)
        wide = set(integers_beyond(frame, EXCEL_MAX_EXACT_INT))
        sheet["description"] = [
            f"{d} ({EXCEL_INT_NOTE})" if c in wide else d
            for c, d in zip(sheet["column"], sheet["description"])
        ]
        extra = {"columns": sheet}
    return export_table(frame, path, fmt=fmt, guard=guard, bom=bom, extra_sheets=extra)
