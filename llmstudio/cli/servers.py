"""``llmstudio models servers`` and ``llmstudio models pull``: LLM servers on this
computer (found at their default ports, or added by the user in ``models.json``) and
pulling an Ollama model with progress. Kept apart from the catalogue's listing in
``models.py``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from ..core.catalogue import catalogue
from ..core.errors import Cancelled, UsageError
from ..core.local_servers import KNOWN_SERVERS, find_servers
from ..core.model_config import load_config, save_config
from ..core.ollama_pull import pull as pull_model
from ..core.progress import Monitor
from ..core.secrets import clean_url
from .exit_codes import DONE, USAGE_OR_CANCELLED
from .progress_line import StatusLine


def servers_options(p: argparse.ArgumentParser) -> None:
    """The options of ``servers`` and ``pull``."""
    p.add_argument(
        "--add", metavar="URL", help="servers: ask this server too from now on (its base URL)"
    )
    p.add_argument("--remove", metavar="URL", help="servers: stop asking this server")
    p.add_argument(
        "--server",
        metavar="URL",
        default=KNOWN_SERVERS[0].base_url,
        help="pull: the Ollama to pull into (default %(default)s)",
    )


def servers(args: argparse.Namespace) -> int:
    """Print the servers found and their models (``--add``/``--remove`` a server first)."""
    config = load_config()
    if args.add:
        url = clean_url(args.add.strip()) or ""
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--add {args.add!r}: give a base URL, e.g. http://127.0.0.1:5000/v1")
        if url not in config.servers:
            config.servers.append(url)
            save_config(config)
    if args.remove:
        url = clean_url(args.remove.strip()) or ""
        if url not in config.servers:
            added = ", ".join(config.servers) or "none"
            raise UsageError(f"--remove {args.remove!r}: not an added server (added: {added})")
        config.servers.remove(url)
        save_config(config)
    found = find_servers(config.servers)
    if args.json:
        out = [
            {
                "name": s.name,
                "base_url": s.base_url,
                "on_this_computer": s.on_this_computer,
                "ollama": s.ollama,
                "models": [{"id": m, "spec": f"openai:{m}"} for m in s.models],
            }
            for s in found
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return DONE
    asked = [k.name for k in KNOWN_SERVERS] + config.servers
    if not found:
        print(f"no LLM server answers on this computer (asked: {', '.join(asked)})")
        return DONE
    for s in found:
        print(f"{s.name} at {s.base_url} ({s.where})")
        for m in s.models or ("(no models yet)",):
            print(f"    {m}")
    print("run one with: llmstudio annotate --model openai:MODEL --base-url URL ...")
    return DONE


def pull(args: argparse.Namespace) -> int:
    """Pull ``args.tag`` into the Ollama at ``--server``, with progress on stderr."""
    if not args.tag:
        raise UsageError("pull: name the Ollama model, e.g. llmstudio models pull llama3.2:3b")
    expected = next((e.size_bytes for e in catalogue() if e.id == args.tag), 0)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C cancels cleanly
    line = StatusLine()

    def show(done, total, message="", **_) -> None:
        line.show(f"{100 * done:.0f} % {message}", final=done >= total)

    try:
        pull_model(args.server, args.tag, Monitor(show, stop.is_set), expected)
    except Cancelled:
        line.end()
        print(
            f"llmstudio: cancelled; Ollama keeps what it downloaded of {args.tag}, and the "
            "same command goes on from there",
            file=sys.stderr,
        )
        return USAGE_OR_CANCELLED
    line.end()
    print(f"pulled {args.tag}; run it with --model openai:{args.tag} --base-url {args.server}")
    return DONE
