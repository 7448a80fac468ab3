"""``llmstudio models``: the catalogue of recommended models.

    llmstudio models list [--task TASK] [--json]   the catalogue: id, tasks, languages,
                                                   size, licence, checked, good at, and
                                                   whether it is downloaded
    llmstudio models servers [--add URL | --remove URL] [--json]
                                                   LLM servers on this computer and
                                                   their models (Ollama, LM Studio,
                                                   llama.cpp, vLLM, and those added)
    llmstudio models pull TAG [--server URL]       pull a model into Ollama, with progress
Exit statuses: :mod:`llmstudio.cli.exit_codes`.
"""

from __future__ import annotations

import argparse
import json

from ..core.catalogue import BUILTIN_ID, TASKS, CatalogueEntry, catalogue
from .exit_codes import DONE
from .parser import Commands
from .servers import pull, servers, servers_options

ACTIONS = ("list", "servers", "pull")


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
    p.add_argument(
        "action",
        choices=ACTIONS,
        help="list: show the catalogue; servers: the LLM servers found on this computer; "
        "pull: pull TAG into Ollama",
    )
    p.add_argument("tag", nargs="?", help="pull: the Ollama model, e.g. llama3.2:3b")
    p.add_argument("--task", choices=TASKS, help="only the models for this task")
    p.add_argument("--json", action="store_true", help="print the entries as JSON")
    servers_options(p)


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
    """List the catalogue (each entry with whether it is downloaded), the servers found,
    or pull a model into Ollama."""
    from ..core.model_cache import downloaded_models

    if args.action == "servers":
        return servers(args)
    if args.action == "pull":
        return pull(args)
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
