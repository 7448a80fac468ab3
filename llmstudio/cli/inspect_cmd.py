"""``llmstudio inspect FILE [--json]``: how a data or project file is read.

(Named ``inspect_cmd``, not ``inspect``, beside the standard library's module.)"""

from __future__ import annotations

import argparse
import json

from ..core.corpus import Corpus
from ..core.sniff import DELIMITER_NAMES
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


def run(args: argparse.Namespace) -> int:
    """``inspect``: how FILE is read, as text or JSON; the exit status."""
    corpus = load(args.file, import_options(args))
    if args.json:
        print(json.dumps(corpus.summary(), ensure_ascii=False, indent=2))
    else:
        print(_inspect_text(corpus))
    return DONE


def register(commands: Commands) -> None:
    """The ``inspect`` command's parser."""
    p = commands.add("inspect", run, description="Show how llmstudio reads a data or project file.")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON")
    import_args(p)
