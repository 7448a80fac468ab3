"""The parsers of the command line: one per command (``llmstudio COMMAND ...``), each
added by its command module's ``register(commands)``, and the window's (no command)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .. import __version__
from ..core.project import SUFFIX
from .exit_codes import TABLE


class HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions as usual, keeps the exit-status table (an epilog) as written."""

    def _fill_text(self, text, width, indent):
        return text if "\n" in text else super()._fill_text(text, width, indent)


class Commands:
    """The commands' parsers by name, as the command modules add them."""

    def __init__(self) -> None:
        self.parsers: dict[str, argparse.ArgumentParser] = {}

    def add(
        self,
        name: str,
        run: Callable[[argparse.Namespace], int],
        parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
        **kwargs,
    ) -> argparse.ArgumentParser:
        """The parser of ``llmstudio NAME``, whose help ends with the exit-status table (the
        same for every command); ``run(args)`` does the command and returns its exit status.
        ``kwargs``: the parser's ``description``, ``usage``, ..."""
        p = parser_class(
            prog=f"llmstudio {name}", epilog=TABLE, formatter_class=HelpFormatter, **kwargs
        )
        p.set_defaults(func=run)
        self.parsers[name] = p
        return p


def gui_parser() -> argparse.ArgumentParser:
    """``llmstudio [FILE] [--screenshot OUT.png]``: the window."""
    p = argparse.ArgumentParser(
        prog="llmstudio",
        epilog=TABLE,
        formatter_class=HelpFormatter,
        description="Analyse text corpora with language models. Without a command: open "
        "the window. Commands: inspect, convert, demo, annotate, replicate, agree, "
        "bias, probe, explain, export, import, passages, crosstab, estimate, runs, models, batch, "
        "train (see llmstudio COMMAND -h).",
    )
    p.add_argument(
        "file",
        nargs="?",
        help=f"a data file (.csv .tsv .txt .xlsx .parquet .jsonl) or a project ({SUFFIX})",
    )
    p.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="render the window offscreen (with FILE loaded; without FILE: the start page), "
        "save it, and exit",
    )
    p.add_argument("--version", action="version", version=f"llmstudio {__version__}")
    return p
