"""Command-line options shared by several commands: the model, labels, bootstrap and API
(rate limits, ``--timeout``) options, and what they mean for a model SPEC."""

from __future__ import annotations

import argparse
import math

from ..core.backends.spec import BUILTIN, kind_of
from ..core.errors import UsageError


def timeout_arg(p: argparse.ArgumentParser) -> None:
    """Add ``--timeout SECONDS`` (API models only) to the parser ``p``."""
    from ..core.backends.openai_client import (
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


def model_args(p: argparse.ArgumentParser, follow_downloads: bool = False) -> None:
    """Add ``--model SPEC`` and ``--base-url``. ``follow_downloads``: without ``--model``
    the task's best downloaded catalogue model runs (:func:`chosen_model`), else builtin."""
    p.add_argument(
        "--model",
        default=None if follow_downloads else "builtin",
        help=(
            "the best downloaded model of the catalogue for the task (default; "
            "'llmstudio models list'), else builtin; "
            if follow_downloads
            else "builtin (default, offline), "
        )
        + "builtin, lexicon (VADER), hf:PATH_OR_HUB_ID, openai:MODEL_NAME",
    )
    p.add_argument(
        "--base-url", help="an OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama)"
    )


def label_args(p: argparse.ArgumentParser) -> None:
    """Add ``--labels``, ``--scale`` and ``--codebook``: what a task may answer."""
    p.add_argument(
        "--labels",
        help="comma-separated labels or codes; quote one with a "
        "comma in it as in CSV: '\"Law, order\",Housing' "
        "(sentiment default: positive,negative,neutral)",
    )
    p.add_argument(
        "--scale", choices=["3", "5"], help="sentiment: 3 (positive/negative/neutral) or 5 points"
    )
    p.add_argument("--codebook", help="code: a codebook, .yaml/.yml or .json")


def bootstrap_args(p: argparse.ArgumentParser, default: int) -> None:
    """Add ``--bootstrap N`` (``default`` resamples) and ``--seed`` of the 95% intervals."""
    p.add_argument(
        "--bootstrap",
        type=int,
        default=default,
        metavar="N",
        help=f"resamples for the 95%% intervals (default {default}; 0: none)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the resamples")


def api_args(p: argparse.ArgumentParser) -> None:
    """Add the options of a run through an API model: ``--concurrency``, ``--rpm``,
    ``--tpm`` and ``--timeout``."""
    concurrency_arg(p)
    p.add_argument("--rpm", type=float, help="API requests per minute at most")
    p.add_argument("--tpm", type=float, help="API tokens per minute at most")
    timeout_arg(p)


def concurrency(value: str):
    """``--concurrency``: a number, ``auto`` or ``auto:MAX`` (core's ``Concurrency``)."""
    from ..core.backends.auto_concurrency import Concurrency

    try:
        return Concurrency.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def concurrency_arg(p: argparse.ArgumentParser, what: str = "") -> None:
    """Add ``--concurrency N|auto[:MAX]``."""
    p.add_argument(
        "--concurrency",
        type=concurrency,
        default=concurrency("8"),
        metavar="N|auto[:MAX]",
        help=f"{what}API requests at once (default 8); auto: as many as the server takes "
        "well, found while the job runs (at most MAX, default 64)",
    )


def chosen_model(model: str | None, task: str) -> str:
    """The model SPEC a command runs ``task`` with: ``model`` as given, or without one the
    task's default (core.catalogue.default_model), named on stderr. When it is the builtin
    and the task sentiment, one line on stderr says how well it reads sentiment (its
    measured numbers) and where the catalogue is."""
    import sys

    from ..core.catalogue import builtin_note, default_model

    if model is None:
        chosen = default_model(task)
        model = chosen.spec
        if chosen.entry is not None:
            print(
                f"model: {model} ({chosen.entry.name}), the best downloaded {task} model "
                "of the catalogue; --model chooses another",
                file=sys.stderr,
            )
            if chosen.note:
                print(f"note: {chosen.note}", file=sys.stderr)
    kind = kind_of(model)
    if task == "sentiment" and kind is not None and kind.name == BUILTIN:
        print(
            f"note: {builtin_note()} A stronger model: llmstudio models list --task sentiment",
            file=sys.stderr,
        )
    return model


def runtime_arg(p: argparse.ArgumentParser) -> None:
    """Add ``--runtime auto|torch|torch-bfloat16|onnx|onnx-int8`` (local models only)."""
    from ..core.backends.onnx_runtime import RUNTIMES

    p.add_argument(
        "--runtime",
        choices=RUNTIMES,
        default=None,
        help="local models (builtin, hf: classifiers and embedding models): auto "
        "(default, or $LLMSTUDIO_RUNTIME): ONNX Runtime in float32 on this computer's "
        "CPU where the model converts, else torch; torch: PyTorch; torch-bfloat16: PyTorch "
        "in bfloat16, any local model (faster, slightly less exact; only on CPUs with "
        "bfloat16 instructions, AVX512-BF16 or AMX); onnx: ONNX Runtime, "
        "float32 (same labels, often faster); onnx-int8: int8 weights (faster, slightly "
        "less exact). A model is converted once per revision, checked against PyTorch, and "
        "kept in llmstudio's cache folder",
    )


def runtime_options(args: argparse.Namespace) -> dict:
    """The backend option ``--runtime`` gives (none when it is not given: the default);
    UsageError for a model that does not run here or an ONNX runtime that is not
    installed, before any file is read."""
    from ..core.backends.onnx_runtime import check_runtime, runtime_refusal
    from ..core.backends.onnx_runtime.choice import LOCAL_KINDS
    from ..core.backends.spec import kind_of
    from ..core.errors import BackendError

    runtime = getattr(args, "runtime", None)
    try:
        checked = check_runtime(runtime)  # the default too: $LLMSTUDIO_RUNTIME is checked
    except BackendError as exc:
        raise UsageError(f"--runtime: {exc}" if runtime else str(exc)) from None
    if runtime is None:
        return {}
    problem = runtime_refusal(args.model, checked)
    if problem:
        raise UsageError(f"--runtime: {problem}")
    kind = kind_of(args.model)
    if kind is None or kind.name not in LOCAL_KINDS:  # torch or auto for an API: nothing
        return {}
    return {"runtime": checked}
