"""A REFI-QDA project as a new llmstudio project: each text source a row (its case's
variables its metadata), each top-level folder of the code tree a codebook whose codes
keep their tree (parent and child) and colours, users as coders, whole-text selections as
row codes, selections over part of a text (and llmstudio's own passages) as passages of
their coder, notes as memos. Where a program's selection ends are inclusive (the last
character, as REFI-QDA 1.5 reads them) rather than exclusive (as QualCoder and llmstudio
write them), the selections' names (their text) show it; see :func:`end_convention`.
The project is written to a temporary file and put in place only when complete."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..code_colors import default_color
from ..codebook import NONE_CODE, Code, Codebook
from ..corpus import Corpus
from ..errors import CodebookError, LlmstudioError, ProjectError
from ..human_codes import check_coder
from ..progress import Monitor
from ..project import Project, _put_in_place
from ..store import codebooks as stored_codebooks
from ..store import history, transaction
from ..store import human_codes as stored_codes
from ..store import passages as stored_passages
from ..wording import counted
from .codings import PASSAGE_PREFIX
from .notes import note_time, store_notes
from .reader import CodeNode, QdaFile, read_qdc_codes, read_qde
from .schema import QdaError
from .writer import BOOK_NOTE

_DTYPES = {"Integer": "Int64", "Float": "Float64", "Boolean": "boolean"}


@dataclass
class ImportResult:
    """What an import made: the project's path and, line by line, what went where."""

    path: Path
    rows: int
    codebooks: list[str]
    coders: list[str]
    row_codes: int
    memos: int  # every memo that came in: on rows, passages, codes and the project
    log: list[str] = field(default_factory=list)
    passages: int = 0
    codes: int = 0


def _parse_description(text: str) -> Code:
    rules = {"Include": "", "Exclude": ""}
    examples, rest = [], []
    for line in text.splitlines():
        label, _, value = line.partition(": ")
        if label in rules and value:
            rules[label] = value
        elif label == "Example" and value:
            examples.append(value)
        else:
            rest.append(line)
    return Code("", "\n".join(rest).strip(), rules["Include"], rules["Exclude"], tuple(examples))


def _color(value: str | None) -> str:
    """``#RRGGBB`` from a code's colour as the schema allows it (#RGB or #RRGGBB, any
    case), or "" (the palette's) when there is none."""
    value = (value or "").strip()
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.upper()


def _tree(node: CodeNode, parent: str, out: list[tuple[CodeNode, str]]) -> None:
    out.append((node, parent))
    for child in node.children:
        _tree(child, node.guid, out)


def _names(members: list[tuple[CodeNode, str]], log: list[str]) -> dict[str, str]:
    """Each code GUID's name in its codebook: its own, or "Parent / Child" where two codes
    of the codebook share a name (codebook names are unique; another program's tree may
    hold "Positive" under two parents)."""
    by_guid = {node.guid: (node, parent) for node, parent in members}

    def path(guid: str) -> str:
        node, parent = by_guid[guid]
        return f"{path(parent)} / {node.name}" if parent in by_guid else node.name

    counts: dict[str, int] = defaultdict(int)
    for node, _ in members:
        counts[node.name.strip().lower()] += 1
    names = {}
    for node, _ in members:
        if counts[node.name.strip().lower()] > 1:
            names[node.guid] = path(node.guid)
            log.append(f"two codes are called {node.name!r}: this one is {names[node.guid]!r}")
        else:
            names[node.guid] = node.name
    return names


def _books(qda: QdaFile) -> tuple[list[Codebook], dict[str, tuple[str, str]], list[str]]:
    """The codebooks, each code GUID's (codebook, code name), and log lines."""
    groups: list[tuple[str, str, list[tuple[CodeNode, str]]]] = []
    loose: list[tuple[CodeNode, str]] = []
    for top in qda.codes:
        if not top.codable and top.children:
            members: list[tuple[CodeNode, str]] = []
            for child in top.children:
                _tree(child, "", members)
            groups.append((top.name, top.description, members))
        else:
            _tree(top, "", loose)
    if loose:
        groups.append((f"{qda.name or 'imported'} codes", "", loose))
    books, where, log = [], {}, []
    taken: set[str] = set()
    for name, description, members in groups:
        if name.lower() in taken:  # two folders of one name: both kept, told apart
            k = 2
            while f"{name} ({k})".lower() in taken:
                k += 1
            log.append(f"two code folders are called {name!r}: the second is {name} ({k})")
            name = f"{name} ({k})"
        taken.add(name.lower())
        llmstudio = description.startswith(BOOK_NOTE)
        multi = not llmstudio or "multi-label" in description
        none_option = llmstudio and f"with {NONE_CODE!r}" in description
        names = _names(members, log)
        codes = []
        for node, parent in members:
            code_name = names[node.guid]
            where[node.guid] = (name, code_name)
            if llmstudio and code_name == NONE_CODE:
                continue  # llmstudio's "none of these": an option, not a code
            parsed = _parse_description(node.description)
            codes.append(
                Code(
                    code_name,
                    parsed.description,
                    parsed.include,
                    parsed.exclude,
                    parsed.examples,
                    parent=names.get(parent, ""),
                    color=_color(node.color),
                )
            )
        # a colour equal to the palette's for its place is the palette's (llmstudio writes
        # every code's colour; keeping it would pin it when codes are added or moved)
        codes = [
            replace(c, color="") if c.color == default_color(i) else c for i, c in enumerate(codes)
        ]
        try:
            books.append(Codebook(tuple(codes), name, multi_label=multi, none_option=none_option))
        except CodebookError as exc:
            raise QdaError(f"the code tree cannot be a codebook: {exc}") from None
    return books, where, log


def _typed(values: list, kind: str) -> pd.Series:
    series = pd.Series(values, dtype="str")
    if kind == "Boolean":
        truth = {"true": True, "false": False, "1": True, "0": False}
        return series.map(lambda v: truth.get(v) if isinstance(v, str) else None).astype("boolean")
    if kind in _DTYPES:
        return pd.to_numeric(series).astype(_DTYPES[kind])
    return series


def read_qdc(path: str | Path) -> tuple[list[Codebook], list[str]]:
    """The codebooks in a REFI-QDA codebook file (``.qdc``), mapped as a project's code
    tree is (see the module docstring), and log lines (a code named by its path where
    two share a name)."""
    books, _, log = _books(read_qdc_codes(path))
    if not books:
        raise QdaError(f"{path}: the codebook has no codes")
    return books, log


def _corpus(qda: QdaFile, path: Path, log: list[str]) -> Corpus:
    """The sources as rows: their name, text, cases and variables (a source's own values
    first, then its cases'; several different values of one variable are all kept, as
    text joined by "; ")."""
    frame = pd.DataFrame(
        {
            "document": pd.array([s.name for s in qda.sources], dtype="str"),
            "text": pd.array([s.text for s in qda.sources], dtype="str"),
        }
    )
    row_of = {s.guid: i for i, s in enumerate(qda.sources)}
    names: list[list[str]] = [[] for _ in qda.sources]
    cells: dict[str, list[list[str]]] = {g: [[] for _ in qda.sources] for g in qda.variables}

    def put(vid, row, value):
        if vid in cells and value is not None and value not in cells[vid][row]:
            cells[vid][row].append(value)

    for row, source in enumerate(qda.sources):
        for vid, value in source.variables.items():
            put(vid, row, value)
    for case_name, case_values, refs in qda.cases:
        for ref in refs:
            if ref in row_of:
                names[row_of[ref]].append(case_name)
                for vid, value in case_values.items():
                    put(vid, row_of[ref], value)
    if any(names):
        frame["case"] = pd.array(["; ".join(n) or None for n in names], dtype="str")
    if any(s.description for s in qda.sources):
        frame["source description"] = pd.array(
            [s.description or None for s in qda.sources], dtype="str"
        )
    in_sets: list[list[str]] = [[] for _ in qda.sources]
    for set_name, members, codes in qda.sets:
        for ref in members:
            if ref in row_of:
                in_sets[row_of[ref]].append(set_name)
        if codes:
            log.append(
                f"set {set_name!r}: its {counted(codes, 'code')} "
                f"{'is' if codes == 1 else 'are'} not kept (sets of sources are)"
            )
    if any(in_sets):
        frame["sets"] = pd.array(["; ".join(n) or None for n in in_sets], dtype="str")
    for vid, (name, kind) in qda.variables.items():
        column = name if name not in frame.columns else f"{name} (variable)"
        if any(len(c) > 1 for c in cells[vid]):
            log.append(f"variable {name!r}: some sources have several values; kept as text")
            kind = "Text"
        values = ["; ".join(c) if c else None for c in cells[vid]]
        try:
            frame[column] = _typed(values, kind)
        except (ValueError, TypeError):
            # declared Integer/Float but holding other text (another program's file)
            log.append(f"variable {name!r} is declared {kind} but holds other values; kept as text")
            frame[column] = _typed(values, "Text")
    return Corpus(frame=frame, text_column="text", source=str(path), format="qdpx")


def end_convention(qda: QdaFile) -> tuple[bool, str]:
    """``(inclusive, log line)``: whether ``endPosition`` names a selection's last
    character. REFI-QDA 1.5 (section 10.2) says it does; QualCoder and llmstudio write the
    position after it. The selections' names usually hold their text, so each name that
    equals exactly one reading votes for it; without votes, or with any end at the text's
    end (impossible when inclusive), the end is exclusive."""
    inclusive = exclusive = 0
    for source in qda.sources:
        for sel in source.selections:
            name = sel.name.strip()
            if sel.guid == source.guid:  # a coding on the source itself: no positions
                continue
            if sel.end >= len(source.text):
                exclusive += 1 if sel.start < sel.end else 0
                continue
            a, b = (
                source.text[sel.start : sel.end].strip(),
                source.text[sel.start : sel.end + 1].strip(),
            )
            if not name or a == b:
                continue
            inclusive += name == b
            exclusive += name == a
    if inclusive > exclusive and not any(
        sel.end >= len(s.text) and sel.guid != s.guid for s in qda.sources for sel in s.selections
    ):
        return True, (
            f"selection ends read as the last character (inclusive, REFI-QDA 1.5): "
            f"{inclusive:,} selection names match that reading, {exclusive:,} the other"
        )
    if inclusive:  # some names say inclusive, but not enough: said, so it can be checked
        return False, (
            f"selection ends read as the position after the last character (exclusive), "
            f"though {counted(inclusive, 'selection name')} "
            f"{'matches' if inclusive == 1 else 'match'} the other reading ({exclusive:,} "
            "match this one): check a few passages"
        )
    return False, ""


def _inclusive_to_exclusive(qda: QdaFile) -> None:
    for source in qda.sources:
        source.selections = [
            replace(sel, end=sel.end + 1) if sel.guid != source.guid else sel
            for sel in source.selections
        ]


def read_qdpx(
    path: str | Path, project_path: str | Path, *, monitor: Monitor | None = None
) -> ImportResult:
    """Import the REFI-QDA project at ``path`` as a new llmstudio project at
    ``project_path`` (which must not exist); QdaError/ProjectError say what is wrong,
    and then no project is left behind (nor when ``monitor`` is cancelled: it is checked
    between the steps it is told of: reading, mapping, writing)."""
    monitor = Monitor.of(monitor)
    path, target = Path(path), Path(project_path)
    if target.exists():
        raise ProjectError(
            f"{target}: already exists; import makes a new project, choose another name"
        )
    monitor.report(0, 3, message=f"reading {path.name}")
    qda = read_qde(path)
    monitor.check()
    monitor.report(1, 3, message="mapping sources, codes and selections")
    if qda.other_sources:
        raise QdaError(
            f"{path}: {counted(qda.other_sources, 'source')} "
            f"{'is' if qda.other_sources == 1 else 'are'} not text (PDF, picture, audio or "
            "video); llmstudio reads text sources only, so nothing was imported"
        )
    if not qda.sources:
        raise QdaError(f"{path}: the project holds no text sources")
    inclusive, line = end_convention(qda)
    if inclusive:
        _inclusive_to_exclusive(qda)
    books, where, log = _books(qda)
    if line:
        log.append(line)
    corpus = _corpus(qda, path, log)
    monitor.check()
    monitor.report(2, 3, message=f"writing {target.name}")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.import")
    try:
        result = _fill(qda, corpus, books, where, log, tmp, target, str(path))
        monitor.check()  # the last moment a cancel leaves nothing behind
        _put_in_place(tmp, target, replace=False)
        monitor.report(3, 3, message="imported")
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
    return result


def _coder(qda: QdaFile, guid: str | None) -> str:
    name = qda.users.get(guid, "unknown coder") if guid else "unknown coder"
    try:
        return check_coder(name)
    except LlmstudioError:
        return check_coder(" ".join(name.split())[:80] or "unknown coder")


def _code_of(where, code_guid: str, source, where_file: str) -> tuple[str, str]:
    """(codebook, code) of a coding's code GUID; a GUID the code book lacks is refused."""
    if code_guid not in where:
        raise QdaError(
            f"{where_file}: a coding in source {source.name!r} refers to a code "
            "that is not in the code book"
        )
    return where[code_guid]


def _passages(qda, source, sel, row: int, where, where_file: str) -> list[tuple]:
    """A selection over part of a text: one passage per code, its notes as the memo."""
    if sel.start >= sel.end:
        raise QdaError(
            f"{where_file}: source {source.name!r}: selection {sel.start}-{sel.end} is empty "
            "(it marks no character)"
        )
    memo = "\n\n".join(qda.notes[n].text for n in sel.notes if n in qda.notes and qda.notes[n].text)
    out = []
    for code_guid, user in sel.codes:
        book, code = _code_of(where, code_guid, source, where_file)
        out.append((book, _coder(qda, user or sel.user), row, sel.start, sel.end, code, memo))
    return out


def _fill(qda, corpus, books, where, log, tmp: Path, target: Path, where_file: str) -> ImportResult:
    book_names = {b.name for b in books}
    default = books[-1].name if books else "imported codes"
    given: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    memos: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    noted: dict[tuple[str, str, int], list[str]] = defaultdict(list)  # their note GUIDs
    passages: list[tuple] = []  # (book, coder, row, start, end, code, memo, note GUIDs)
    for row, source in enumerate(qda.sources):
        for sel in source.selections:
            whole = (sel.start, sel.end) == (0, len(source.text))
            if sel.codes and (not whole or sel.name.startswith(PASSAGE_PREFIX)):
                passages += [
                    (*p, sel.notes) for p in _passages(qda, source, sel, row, where, where_file)
                ]
                continue
            keys = set()
            for code_guid, user in sel.codes:
                book, code = _code_of(where, code_guid, source, where_file)
                key = (book, _coder(qda, user or sel.user), row)
                given[key].add(code)
                keys.add(key)
            if not keys:
                book = sel.name if sel.name in book_names else default
                keys.add((book, _coder(qda, sel.user), row))
                given.setdefault((book, _coder(qda, sel.user), row), set())
            for note in sel.notes:
                for key in keys:
                    memos[key].append(qda.notes[note].text if note in qda.notes else "")
                    noted[key].append(note)
        for note in source.notes:
            user = qda.notes[note].user if note in qda.notes else None
            key = (default, _coder(qda, user), row)
            given.setdefault(key, set())
            memos[key].append(qda.notes[note].text if note in qda.notes else "")
            noted[key].append(note)
    for i, book in enumerate(books):
        several = any(len(c) > 1 for (b, _, _), c in given.items() if b == book.name)
        if not book.multi_label and several:
            # coded in another program with several codes per text: all are kept
            books[i] = Codebook(book.codes, book.name, multi_label=True)
            log.append(
                f"codebook {book.name!r} was single-label; some texts have several of its "
                "codes, so it is imported as multi-label"
            )
    order = {b.name: b.labels() if not b.multi_label else b.names + (NONE_CODE,) for b in books}
    time = datetime.now(UTC).isoformat(timespec="milliseconds")
    with Project.create(tmp, corpus) as project, transaction(project.db):
        for book in books:
            stored_codebooks.put(project.db, book.name, book.to_json(), time)
        for (book, coder, row), codes in sorted(
            given.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])
        ):
            ordered = [c for c in order.get(book, ()) if c in codes]
            memo = "\n\n".join(m for m in memos.get((book, coder, row), ()) if m)
            stored_codes.add(
                project.db,
                book,
                coder,
                row,
                json.dumps(ordered, ensure_ascii=False),
                memo,
                note_time(qda, noted.get((book, coder, row), ()), time),  # the memo's date
                None,
            )
        for book, coder, row, start, end, code, memo, notes in passages:
            when = note_time(qda, notes, time) if memo else time  # a memo keeps its date
            stored_passages.add(
                project.db, book, coder, row, "text", start, end, code, memo, when, None
            )
        # notes of the project, of codes, and those nothing refers to: memos (notes.py)
        notes_kept = store_notes(project, qda, where, time)
        coders = sorted({c for _, c, _ in given} | {p[1] for p in passages})
        n_codes = sum(len(b.codes) for b in books)
        on_rows = sum(1 for m in memos.values() if any(m)) + sum(1 for p in passages if p[6])
        summary = (
            f"{counted(len(qda.sources), 'text source')} as rows, "
            f"{counted(len(books), 'codebook')} with {counted(n_codes, 'code')}, "
            f"{counted(len(coders), 'coder')}, {counted(len(given), 'row code')}, "
            f"{counted(len(passages), 'passage')}, {counted(on_rows, 'memo')} on rows and "
            "passages"
            + (
                ", {}, {}".format(
                    counted(notes_kept[0], "project memo"), counted(notes_kept[1], "code memo")
                )
                if any(notes_kept)
                else ""
            )
        )
        history.add(project.db, "import", f"REFI-QDA: {summary}")
        for line in log:
            history.add(project.db, "import", line)
    return ImportResult(
        target,
        len(qda.sources),
        [b.name for b in books],
        coders,
        len(given),
        on_rows + sum(notes_kept),  # every memo that came in, as File > Import says
        [summary, *log],
        passages=len(passages),
        codes=n_codes,
    )
