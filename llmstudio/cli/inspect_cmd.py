"""``llmstudio inspect FILE [--json]``: how a data or project file is read.

(Named ``inspect_cmd``, not ``inspect``, beside the standard library's module.)"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..core.corpus import Corpus
from ..core.project import is_project
from ..core.sniff import DELIMITER_NAMES
from ..core.unit_links import CorpusFamily, Linked, corpus_family, unit_by
from .exit_codes import DONE
from .parser import Commands
from .reading import import_args, import_options, load


def _inspect_text(corpus: Corpus) -> str:
    s = corpus.summary()
    delim = s["delimiter"]
    lines = [
        f"file:        {s['file']}",
        f"format:      {s['format']}",
        f"encoding:    {s['encoding'] or '-'}",
        f"delimiter:   {DELIMITER_NAMES.get(delim, repr(delim)) if delim is not None else '-'}",
        f"header:      {'yes' if s['has_header'] else 'no'}"
        + (f" (after {s['header_row']} skipped record(s))" if s["header_row"] else ""),
        f"rows:        {s['rows']:,}",
        f"columns:     {len(s['columns'])}: {', '.join(map(repr, s['columns']))}",
        f"text column: {s['text_column']!r}",
        f"problems:    {len(s['problems'])}",
    ]
    lines += [f"  - {p}" for p in s["problems"]]
    return "\n".join(lines)


def _linked(family: CorpusFamily | None) -> dict:
    """The units corpora and the source linked to a project, as plain data."""
    if family is None or family.documents is None:
        return {"units_of": None, "units_corpora": [], "problem": None}

    def entry(linked: Linked) -> dict:
        return {
            "title": linked.title,
            "file": linked.name,
            "path": str(linked.path) if linked.path else None,
            "problem": linked.problem or None,
            "this_file": family.is_here(linked),
        }

    units_of = None
    if family.origin is not None:
        units_of = {**entry(family.documents), "unit": family.origin.unit}
        units_of["project"] = family.documents.project
    units = [{**entry(u), "unit": u.unit} for u in family.units]
    return {"units_of": units_of, "units_corpora": units, "problem": family.problem or None}


def _linked_text(linked: dict) -> list[str]:
    def where(item: dict) -> str:
        if item["problem"]:
            return f"NOT USABLE: {item['problem']}"
        return item["path"] + (" (this file)" if item["this_file"] else "")

    lines = []
    source = linked["units_of"]
    if source is not None:
        lines.append(f"units of:    {source['file']}, {unit_by(source['unit'])}: {where(source)}")
        if not source["project"] and not source["problem"]:
            lines[-1] += " (not a project: its texts are not checked)"
    if linked["units_corpora"] or linked["problem"]:
        of = f" (of {source['file']})" if source is not None else ""
        lines.append(f"units corpora: {len(linked['units_corpora'])}{of}")
        lines += [f"  - {u['title']}: {where(u)}" for u in linked["units_corpora"]]
    if linked["problem"]:
        lines.append(f"  ! {linked['problem']}")
    return lines


def run(args: argparse.Namespace) -> int:
    """``inspect``: how FILE is read, as text or JSON; the exit status. A project also
    lists the corpora linked to it: what it was split from, its units corpora."""
    corpus = load(args.file, import_options(args))
    path = Path(args.file)
    family = corpus_family(path) if path.is_file() and is_project(path) else None
    linked = _linked(family)
    if args.json:
        print(json.dumps({**corpus.summary(), **linked}, ensure_ascii=False, indent=2))
    else:
        print("\n".join([_inspect_text(corpus), *_linked_text(linked)]))
    return DONE


def register(commands: Commands) -> None:
    """The ``inspect`` command's parser."""
    p = commands.add("inspect", run, description="Show how llmstudio reads a data or project file.")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON")
    import_args(p)
