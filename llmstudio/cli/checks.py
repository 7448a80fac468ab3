"""Checks the commands make before any work: options whose values cannot be right, an
output that could not be written, a model llmstudio does not know, a table of no rows."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..core.corpus import Corpus
from ..core.errors import LlmstudioError, UsageError


def check_model(args: argparse.Namespace) -> None:
    """``--model`` names a model llmstudio knows, before any file is written (UsageError)."""
    from ..core.backends.spec import ModelSpec, ModelSpecError

    try:
        ModelSpec.parse(args.model, getattr(args, "base_url", None))
    except ModelSpecError as exc:
        raise UsageError(f"--model: {exc}") from None


def check_out(path: str | None) -> None:
    """An output table's extension, checked before any work (UsageError if unknown)."""
    from ..core.errors import ExportError
    from ..core.export import export_format

    if path:
        try:
            export_format(path)
        except ExportError as exc:
            raise UsageError(f"--out {exc}") from None


def check_out_folder(path: str | None) -> None:
    """The output table's folder exists and can be written, before any work: a run that
    cannot be written at its end has been paid for for nothing (LlmstudioError)."""
    if not path:
        return
    out = Path(path)
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise LlmstudioError(f"--out {path}: is a folder; give a file name (.csv .xlsx .parquet)")
    if not folder.is_dir():
        raise LlmstudioError(f"--out {path}: no folder {str(folder)!r}")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise LlmstudioError(f"--out {path}: cannot write there (no permission)")


def check_counts(args: argparse.Namespace) -> None:
    """Numbers of rows and requests that cannot be right, before any file is read."""
    if getattr(args, "limit", None) is not None and args.limit < 1:
        raise UsageError("--limit is a number of rows, 1 or more")
    asked = getattr(args, "concurrency", 1)
    if isinstance(asked, int) and asked < 1:
        raise UsageError("--concurrency is a number of parallel requests, 1 or more")


def check_has_rows(corpus: Corpus, source) -> None:
    """Refuse a table read as 0 rows: a job over nothing must not end as "done".

    A header alone, or a quote on the header line that took in every line after it (as
    ``--quoting csv`` reads it); the problems found while reading say which.
    """
    from ..core.no_rows import zero_rows_message

    message = zero_rows_message(corpus, source)
    if message:
        raise LlmstudioError(message)
