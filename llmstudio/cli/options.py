"""Command-line options shared by the commands in several modules (cli, probe_cli,
runs_cli): their own module, so those modules need not import each other."""

from __future__ import annotations

import argparse
import math

from ..core.backends.spec import kind_of
from ..core.errors import UsageError


def timeout_arg(p: argparse.ArgumentParser) -> None:
    """Add ``--timeout SECONDS`` (API models only) to the parser ``p``."""
    from ..core.backends.openai_backend import (
        DEFAULT_TIMEOUT,
        STOP_AFTER_TIMEOUTS,
        TIMEOUT_ATTEMPTS,
    )

    p.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"openai: seconds a request waits for an answer (default "
        f"{DEFAULT_TIMEOUT:g}); a request with no answer is asked "
        f"{TIMEOUT_ATTEMPTS} times at most, and the job stops after "
        f"{STOP_AFTER_TIMEOUTS} rows in a row with no answer (after the first "
        "when the server has answered nothing), keeping the rows finished",
    )


def timeout_options(args: argparse.Namespace, model: str | None = None) -> dict:
    """The backend option of ``--timeout`` (none when not given: the backend's default);
    refused for a model (``model``, default ``--model``) that sends no request."""
    seconds = getattr(args, "timeout", None)
    if seconds is None:
        return {}
    if not (math.isfinite(seconds) and seconds > 0):
        raise UsageError(f"--timeout is a number of seconds above 0, not {seconds:g}")
    if not sends_requests(model or args.model):
        raise UsageError("--timeout is for openai: models (a local model sends no request)")
    return {"timeout": seconds}


def sends_requests(model: str | None) -> bool:
    """Whether the model SPEC ``model`` sends each row over a network (an API model: its
    options are rate limits, a timeout, a context window)."""
    kind = kind_of(model)
    return kind is not None and kind.network
