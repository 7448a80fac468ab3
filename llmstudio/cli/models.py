"""``llmstudio models``: the catalogue of recommended models.

    llmstudio models list [--task TASK] [--json]   the catalogue: id, tasks, languages,
                                                   size, licence, checked, good at, and
                                                   whether it is downloaded
Exit statuses: :mod:`llmstudio.cli.exit_codes`.
"""

from __future__ import annotations

import argparse
import json

from ..core.catalogue import BUILTIN_ID, TASKS, CatalogueEntry, catalogue
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


def downloaded(entry: CatalogueEntry, in_cache: set[str]) -> bool | None:
    """Whether ``entry`` is on this computer: a hub model in the Hugging Face cache (the
    builtin is bundled); None for an Ollama model (Ollama keeps its own list)."""
    if entry.source != "hf":
        return None
    return entry.id == BUILTIN_ID or entry.id in in_cache


def _where(state: bool | None, entry: CatalogueEntry) -> str:
    if entry.id == BUILTIN_ID:
        return "bundled"
    return {True: "downloaded", False: "not downloaded"}.get(state, "through Ollama")


def run(args: argparse.Namespace) -> int:
    """List the catalogue (the only action yet), each entry with whether it is here."""
    from ..core.model_cache import downloaded_models

    entries = [e for e in catalogue() if args.task is None or args.task in e.tasks]
    in_cache = {m.id for m in downloaded_models()}
    if args.json:
        out = [dict(e.as_json(), downloaded=downloaded(e, in_cache)) for e in entries]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return DONE
    for e in entries:
        mark = "" if e.checked else "  [unchecked]"
        print(f"{e.spec}  ({_where(downloaded(e, in_cache), e)}){mark}")
        print(
            f"    {e.name}; {', '.join(e.tasks)}; {', '.join(e.languages)}; "
            f"{_size(e.size_bytes)}; {e.license}"
        )
        if e.good_at:
            print(f"    good at: {e.good_at}")
        if e.not_good_at:
            print(f"    not good at: {e.not_good_at}")
    return DONE
