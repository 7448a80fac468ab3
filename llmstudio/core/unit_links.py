"""A documents project and its units projects, linked both ways.

A project holds one corpus: its runs, human codes, passages and agreement are keyed to
that corpus's rows. Texts split into units (``core.unit_corpus``) are therefore a second
project file, and the two know each other:

- the units project's meta ``units`` (:class:`~.unit_corpus.UnitsInfo`) names its source,
  by a path relative to its own folder (``split_from_relative``) and the absolute path it
  had (``split_from``), with the fingerprint of the source's texts when split;
- the source's meta :data:`LINKS_KEY` lists its units projects (:class:`UnitsLink`: a
  path relative to the source's folder, the absolute path as it was, the unit, the
  counts, the date), one entry per file, a new split added to the list.

Both are looked up relative first, so moving or copying the whole folder keeps them. A
link is never followed on trust: :func:`corpus_family` says of each linked file whether
it is there, still a project, and split from the texts the source holds now (the
fingerprint); each :class:`Linked` carries the reason when it is not.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from .corpus import Corpus
from .errors import LlmstudioError, ProjectError
from .project import Project, is_project
from .store import connection, history, meta, transaction
from .unit_corpus import (
    META_KEY,
    UnitsInfo,
    corpus_fingerprint,
    parse_units_info,
    relative_path,
    stored_units_info,
)
from .units import parse_unit

LINKS_KEY = "units_projects"  # the source project's meta key: a JSON list of UnitsLink
NOT_SAVED = "(a table not saved)"  # what a split of a table not saved in a file records


@dataclass(frozen=True)
class UnitsLink:
    """One units project as its source records it."""

    path: str  # relative to the source's folder, "/"-separated
    absolute: str  # where it was when it was split (looked at when ``path`` is not there)
    unit: str  # the unit, as ``unit_corpus.spec_text`` writes it
    units: int
    documents: int
    date: str  # when it was split (UTC, ISO 8601)
    source_fingerprint: str  # the source's texts when split

    @classmethod
    def from_json(cls, item: dict) -> UnitsLink:
        """An entry of the stored list (keys a newer version added are left aside)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in item.items() if k in known})


def locate(folder: str | Path, relative: str, absolute: str) -> Path | None:
    """The linked file: ``relative`` to ``folder`` first (the folder may have moved),
    then ``absolute``; None when neither is there."""
    candidates = [Path(folder) / relative] if relative else []
    if absolute and absolute != NOT_SAVED:
        candidates.append(Path(absolute))
    return next((p for p in candidates if p.exists()), None)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# -- the source's list ------------------------------------------------------------------


def units_links(project: Project) -> list[UnitsLink]:
    """The units projects ``project`` records, oldest first (ProjectError when the list
    is damaged: it is said, not taken for an empty one)."""
    return _parse_links(project.meta(LINKS_KEY), project.path)


def _parse_links(raw: str | None, path: Path) -> list[UnitsLink]:
    if not raw:
        return []
    try:
        return [UnitsLink.from_json(item) for item in json.loads(raw)]
    except (ValueError, TypeError, AttributeError):
        raise ProjectError(
            f"{path}: its list of units projects cannot be read (meta {LINKS_KEY!r})"
        ) from None


def _peek(path: Path, *keys: str) -> list[str | None]:
    """Meta values of the project file at ``path``, read without opening it as a project
    (no upgrade, no integrity check: following a link changes no file and reads little).
    ProjectError when it is not an llmstudio project."""
    if not path.is_file():
        raise ProjectError(f"{path}: no such project file")
    db = None
    try:
        db = connection.connect(path)
        if not connection.is_ours(db):
            raise ProjectError(f"{path}: not an llmstudio project")
        return [meta.get(db, key) for key in keys]
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: not an llmstudio project ({exc})") from None
    finally:
        if db is not None:
            db.close()


def record_units_link(units: Project) -> UnitsLink | None:
    """Add the units project ``units`` (just saved) to its source's list, replacing an
    entry for the same file (split again into it); None when there is nothing to write
    into (the source is a table or a folder of documents, or ``units`` no units project).
    ProjectError when the source cannot be opened or written."""
    info = stored_units_info(units)
    if info is None:
        return None
    units_path = units.path.absolute()
    source = locate(units_path.parent, info.split_from_relative, info.split_from)
    if source is None or source.is_dir() or not is_project(source):
        return None
    link = UnitsLink(
        path=relative_path(units_path, source.parent),
        absolute=str(units_path),
        unit=info.unit,
        units=info.units,
        documents=info.documents,
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        source_fingerprint=info.source_fingerprint,
    )
    with Project.open(source) as project:
        kept = [
            old
            for old in units_links(project)
            if not _same_file(locate(source.parent, old.path, old.absolute) or Path(), units_path)
        ]
        body = json.dumps([asdict(x) for x in [*kept, link]], ensure_ascii=False)
        try:
            with transaction(project.db):
                meta.put(project.db, LINKS_KEY, body)
                history.add(project.db, "units linked", f"{link.path}: {link.units:,} units")
        except sqlite3.Error as exc:  # read-only, locked by another program, disk full
            raise ProjectError(f"{source}: cannot list the units project there ({exc})") from None
    return link


# -- what the links are now --------------------------------------------------------------


def _unit_parts(unit: str) -> tuple[str, str, str]:
    """(kind, plural, how): ``("sentence", "Sentences", "pysbd, de")``; for windows of
    words the plural says the size and overlap."""
    try:
        spec = parse_unit(unit)
    except LlmstudioError:
        return unit, unit, ""
    if spec.kind == "words":
        overlap = f", overlapping by {spec.overlap:,}" if spec.overlap else ""
        return "words", f"Windows of {spec.size:,} words{overlap}", ""
    how = ", ".join(unit.split(":")[1:])  # the splitter and language, as written
    return spec.kind, f"{spec.kind.capitalize()}s", how


def unit_title(unit: str) -> str:
    """A unit as a reader names it: ``Sentences``, ``Sentences by pysbd, de``,
    ``Windows of 200 words, overlapping by 50``."""
    _, plural, how = _unit_parts(unit)
    return f"{plural} by {how}" if how else plural


def unit_by(unit: str) -> str:
    """How a units project was split: ``by sentence``, ``by sentence (pysbd, de)``,
    ``in windows of 200 words, overlapping by 50``."""
    kind, plural, how = _unit_parts(unit)
    if kind == "words":
        return f"in {plural[0].lower()}{plural[1:]}"
    return f"by {kind}" + (f" ({how})" if how else "")


@dataclass(frozen=True)
class Linked:
    """A corpus of the family (the documents, or one units corpus) as it stands now."""

    role: str  # "documents" or "units"
    name: str  # the file's name as recorded
    rows: int  # documents, or units
    unit: str = ""  # the unit of a units corpus
    path: Path | None = None  # where it was found (None: not found)
    problem: str = ""  # why it cannot be opened or trusted ("" when it can)
    project: bool = True  # False: a table or a folder of documents (its texts not checked)
    # ok, or why not: missing, unreadable (not a project, damaged, newer), not_units (no
    # units project any more), changed (split from other texts), not_saved (no file)
    state: str = "ok"

    @property
    def title(self) -> str:
        """``Documents (120)``, ``Sentences (12,340 units)``."""
        if self.role == "documents":
            return f"Documents ({self.rows:,})"
        return f"{unit_title(self.unit)} ({self.rows:,} unit{'' if self.rows == 1 else 's'})"


@dataclass(frozen=True)
class CorpusFamily:
    """A project's documents corpus and its units corpora, seen from ``here``."""

    here: Path
    documents: Linked | None  # None: a project neither split nor split from
    units: list[Linked] = field(default_factory=list)
    origin: UnitsInfo | None = None  # here's own record, when it is a units project
    problem: str = ""  # why the source's list of units projects cannot be read

    def is_here(self, linked: Linked) -> bool:
        """Whether ``linked`` is the project open now."""
        return linked.path is not None and _same_file(linked.path, self.here)

    def origin_text(self) -> str:
        """``Units of interviews.llmstudio, by sentence`` ("" for a documents project)."""
        if self.origin is None:
            return ""
        return f"Units of {Path(self.origin.split_from).name}, {unit_by(self.origin.unit)}"


def _check_units(link: UnitsLink, folder: Path, fingerprint: str) -> Linked:
    """One entry of the source's list, checked: there, a units project, of these texts."""
    name = Path(link.path or link.absolute).name
    found = locate(folder, link.path, link.absolute)
    base = Linked("units", name, link.units, link.unit)
    if found is None:
        return _with(base, problem=_gone(name), state="missing")
    try:
        info = parse_units_info(_peek(found, META_KEY)[0])
    except LlmstudioError as exc:
        problem = f"{name} cannot be opened: {exc}"
        return _with(base, path=found, problem=problem, state="unreadable")
    if info is None:
        problem = f"{name} is no longer a units project"
        return _with(base, path=found, problem=problem, state="not_units")
    base = Linked("units", name, info.units, info.unit, found)
    if info.source_fingerprint != fingerprint:
        return _with(
            base,
            problem=f"{name} was split from other texts than these documents hold now "
            "(the text column or the documents changed since): its units may not match them",
            state="changed",
        )
    return base


def _gone(name: str) -> str:
    return f"{name} is not there any more (deleted or moved away)"


def _with(linked: Linked, **changes) -> Linked:
    return Linked(**{**asdict(linked), **changes})


def _check_source(info: UnitsInfo, here: Path) -> tuple[Linked, Project | None]:
    """The source a units project names, checked; the source opened when it is a project
    with the same texts (the caller closes it)."""
    name = Path(info.split_from).name
    base = Linked("documents", name, info.documents)
    if info.split_from == NOT_SAVED:
        problem = "the texts were split from a table not saved in a file"
        return _with(base, problem=problem, state="not_saved"), None
    found = locate(here.parent, info.split_from_relative, info.split_from)
    if found is None:
        return _with(base, problem=_gone(name), state="missing"), None
    if found.is_dir() or not is_project(found):
        return _with(base, path=found, project=False), None
    try:
        project = Project.open(found)
    except LlmstudioError as exc:
        problem = f"{name} cannot be opened: {exc}"
        return _with(base, path=found, problem=problem, state="unreadable"), None
    try:
        corpus = project.corpus()
    except LlmstudioError as exc:
        project.close()
        problem = f"{name} cannot be read: {exc}"
        return _with(base, path=found, problem=problem, state="unreadable"), None
    base = _with(base, path=found, rows=corpus.rows)
    fingerprint = corpus_fingerprint(corpus)
    if fingerprint != info.source_fingerprint:
        project.close()
        problem = (
            f"{name}'s texts changed since these units were split from it (its text column "
            "or its documents): the units may not match them"
        )
        return _with(base, problem=problem, state="changed"), None
    return base, project


def corpus_family(path: str | Path, corpus: Corpus | None = None) -> CorpusFamily:
    """The documents corpus and units corpora linked to the project at ``path``, each
    checked (see :class:`Linked`). ``corpus``: the project's corpus when the caller holds
    it (its texts are fingerprinted when it has units; else read from the file)."""
    here = Path(path).absolute()
    raw_info, raw_links, rows = _peek(here, META_KEY, LINKS_KEY, "rows")
    info = parse_units_info(raw_info)
    if info is None:
        documents = Linked("documents", here.name, int(rows or 0), path=here)
        try:
            links = _parse_links(raw_links, here)
        except ProjectError as exc:
            return CorpusFamily(here, documents, problem=str(exc))
        if not links:
            return CorpusFamily(here, None)
        if corpus is None:
            with Project.open(here) as project:
                fingerprint = corpus_fingerprint(project.corpus())
        else:
            fingerprint = corpus_fingerprint(corpus)
        checked = [_check_units(link, here.parent, fingerprint) for link in links]
        return CorpusFamily(here, documents, checked)
    itself = Linked("units", here.name, info.units, info.unit, here)
    documents, source = _check_source(info, here)
    if source is None:
        return CorpusFamily(here, documents, [itself], info)
    with source:
        try:
            links = units_links(source)
        except ProjectError as exc:
            return CorpusFamily(here, documents, [itself], info, problem=str(exc))
    # The source's texts are the ones split (checked): its fingerprint is the recorded one.
    folder = documents.path.parent
    checked = [_check_units(link, folder, info.source_fingerprint) for link in links]
    if not any(c.path is not None and _same_file(c.path, here) for c in checked):
        checked.insert(0, itself)  # split before the source kept a list, or by another copy
    return CorpusFamily(here, documents, checked, info)
