"""``llmstudio models``: the catalogue of recommended models.

    llmstudio models list [--task TASK] [--json]   the catalogue: id, tasks, languages,
                                                   size, licence, checked, good at
Exit statuses: :mod:`llmstudio.cli.exit_codes`.
"""

from __future__ import annotations

import argparse
import json

from ..core.catalogue import TASKS, catalogue
from .exit_codes import DONE
from .parser import Commands

ACTIONS = ("list",)


def register(commands: Commands) -> None:
    """The ``models`` command's parser."""
    p = commands.add(
        "models",
        run,
        description="The catalogue of recommended models (llmstudio/resources/models.yaml): "
        "what each is good at, its size, licence and measured or published quality. "
        "'unchecked' marks an entry whose id, size and licence were not checked against "
        "its model card.",
    )
    p.add_argument("action", choices=ACTIONS, help="list: show the catalogue")
    p.add_argument("--task", choices=TASKS, help="only the models for this task")
    p.add_argument("--json", action="store_true", help="print the entries as JSON")


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def run(args: argparse.Namespace) -> int:
    """List the catalogue (the only action yet)."""
    entries = [e for e in catalogue() if args.task is None or args.task in e.tasks]
    if args.json:
        print(json.dumps([e.as_json() for e in entries], indent=2, ensure_ascii=False))
        return DONE
    for e in entries:
        mark = "" if e.checked else "  [unchecked]"
        print(f"{e.spec}{mark}")
        print(
            f"    {e.name}; {', '.join(e.tasks)}; {', '.join(e.languages)}; "
            f"{_size(e.size_bytes)}; {e.license}"
        )
        if e.good_at:
            print(f"    good at: {e.good_at}")
        if e.not_good_at:
            print(f"    not good at: {e.not_good_at}")
    return DONE
