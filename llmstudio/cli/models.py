"""``llmstudio models``: the catalogue of recommended models.

    llmstudio models list [--task TASK] [--json]   the catalogue: id, tasks, languages,
                                                   size, licence, checked, good at, and
                                                   whether it is downloaded
    llmstudio models get ID                        download a hub model (progress; Ctrl+C
                                                   stops, the next get resumes)
    llmstudio models remove ID [--yes]             delete a downloaded model
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

from ..core.catalogue import BUNDLED, DOWNLOADED, TASKS, THROUGH_OLLAMA, availability, catalogue
from .exit_codes import DONE
from .parser import Commands
from .servers import pull, servers, servers_options

ACTIONS = ("list", "get", "remove", "servers", "pull")


def register(commands: Commands) -> None:
    """The ``models`` command's parser."""
    p = commands.add(
        "models",
        run,
        description="The catalogue of recommended models (llmstudio/resources/models.yaml): "
        "what each is good at, its size, licence and measured or published quality. "
        "'unchecked' marks an entry whose id, size and licence were not checked against "
        "its model card. 'get' downloads a hub model into Hugging Face's cache (where "
        "hf:ID runs load it), 'remove' deletes one.",
    )
    p.add_argument(
        "action",
        choices=ACTIONS,
        help="list: show the catalogue; get: download a hub model; remove: delete one; "
        "servers: the LLM servers found on this computer; pull: pull an Ollama model (ID: its "
        "tag) into Ollama",
    )
    p.add_argument(
        "tag",
        nargs="?",
        metavar="ID",
        help="get, remove: the hub id (e.g. cardiffnlp/twitter-roberta-base-sentiment-latest; "
        "hf:ID is taken too); pull: the Ollama model, e.g. llama3.2:3b",
    )
    p.add_argument("--yes", action="store_true", help="remove: do not ask first")
    p.add_argument("--task", choices=TASKS, help="only the models for this task")
    p.add_argument("--json", action="store_true", help="print the entries as JSON")
    servers_options(p)


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def downloaded(state: str) -> bool | None:
    """``--json``'s ``downloaded``: whether the model can run here (None for Ollama's)."""
    return None if state == THROUGH_OLLAMA else state in (BUNDLED, DOWNLOADED)


def run(args: argparse.Namespace) -> int:
    """List the catalogue (each entry with whether it is downloaded), download a hub
    model or remove one, list the servers found, or pull a model into Ollama; the exit
    status."""
    if args.action in ("get", "remove"):
        return (get if args.action == "get" else remove)(args)
    if args.action == "servers":
        return servers(args)
    if args.action == "pull":
        return pull(args)
    from ..core.model_cache import downloaded_models

    entries = [e for e in catalogue() if args.task is None or args.task in e.tasks]
    found = downloaded_models()
    states = {e.id: availability(e, found) for e in entries}
    if args.json:
        out = [dict(e.as_json(), downloaded=downloaded(states[e.id])) for e in entries]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return DONE
    for e in entries:
        mark = "" if e.checked else "  [unchecked]"
        print(f"{e.spec}  ({states[e.id]}){mark}")
        print(
            f"    {e.name}; {', '.join(e.tasks)}; {', '.join(e.languages)}; "
            f"{_size(e.size_bytes)}; {e.license}"
        )
        if e.good_at:
            print(f"    good at: {e.good_at}")
        if e.not_good_at:
            print(f"    not good at: {e.not_good_at}")
    return DONE


def _hub_id(args: argparse.Namespace) -> str:
    from ..core.errors import UsageError

    if not args.tag:
        raise UsageError(f"models {args.action} needs a hub id: llmstudio models {args.action} ID")
    hub_id = args.tag.strip()
    return hub_id[3:] if hub_id.startswith("hf:") else hub_id


def download_printer(line):
    """Progress of a download on ``line`` (a :class:`StatusLine`): bytes (and where an
    earlier download's bytes were resumed), speed, time left."""
    from ..core.model_cache import size_text

    def show(done, total, speed_bps=None, eta_s=None, resumed_bytes=0, **_) -> None:
        text = f"{size_text(done)} of {size_text(total)}"
        if resumed_bytes:
            text += f" (resumed at {size_text(resumed_bytes)})"
        if speed_bps:
            text += f", {size_text(speed_bps)}/s"
        if eta_s is not None and done < total:
            text += f", about {eta_s:,.0f} s left"
        line.show(text, final=done >= total)

    return show


def get(args: argparse.Namespace) -> int:
    """``models get ID``: download into huggingface_hub's cache with a progress line;
    Ctrl+C stops (exit 2) and the next ``get`` fetches only what is missing."""
    import signal
    import sys
    import threading

    from ..core.errors import Cancelled
    from ..core.model_cache import size_text
    from ..core.model_download import download_model
    from ..core.progress import Monitor
    from .exit_codes import USAGE_OR_CANCELLED
    from .progress_line import StatusLine

    hub_id = _hub_id(args)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C cancels cleanly
    line = StatusLine()
    print(f"downloading {hub_id} from the Hugging Face hub", file=sys.stderr)
    try:
        got = download_model(hub_id, monitor=Monitor(download_printer(line), stop.is_set))
    except Cancelled:
        line.end()
        print(
            f"llmstudio: download of {hub_id} cancelled; what was received is kept and "
            "`llmstudio models get` again continues where it stopped",
            file=sys.stderr,
        )
        return USAGE_OR_CANCELLED
    finally:
        line.end()
    fetched = "already downloaded" if got.fetched_bytes == 0 else "downloaded"
    if got.fetched_bytes and got.resumed_bytes:
        fetched += f" (resumed at {size_text(got.resumed_bytes)})"
    print(
        f"{hub_id} {fetched}: revision {got.revision}, {size_text(got.size_bytes)}, in {got.path}"
    )
    print(f"use it as --model hf:{hub_id}")
    return DONE


def remove(args: argparse.Namespace) -> int:
    """``models remove ID``: delete every cached revision of a model, after asking."""
    from ..core.model_cache import downloaded_models, remove_model, size_text
    from .runs import _confirm

    hub_id = _hub_id(args)
    found = [m for m in downloaded_models() if m.id == hub_id]
    if found:  # else remove_model says it is not downloaded
        size = size_text(sum(m.size_bytes for m in found))
        revisions = ", ".join(m.short_revision for m in found)
        if not _confirm(f"delete {hub_id} ({size}, revision {revisions})?", args.yes):
            print("nothing deleted")
            return DONE
    freed = remove_model(hub_id)
    print(f"{hub_id} deleted ({size_text(freed)} freed)")
    return DONE
