"""``llmstudio replicate PROJECT --run N``: ask a stored run's task again, with one thing
changed or none, and compare the two runs."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import UsageError
from ..core.progress import Monitor
from ..core.project import SUFFIX, open_project_file
from .agree import stability_text
from .checks import check_counts
from .exit_codes import DONE, job_status
from .options import api_args, timeout_options
from .parser import Commands
from .progress_line import StatusLine, progress_printer
from .sending import announce_api_run


def _known_base_urls(args: argparse.Namespace) -> list[str]:
    """The servers a replicate may have asked: --base-url, then Model settings' list."""
    from ..core.model_config import load_config

    urls = [args.base_url] if args.base_url else []
    return urls + [e.base_url for e in load_config().endpoints if e.base_url]


def run(args: argparse.Namespace) -> int:
    """``replicate``: the run asked again and compared with it; the exit status."""
    import signal
    import threading

    from ..core.replicate import Changes, plan_replicate, run_replicate
    from ..core.runner import check_can_run
    from ..core.stability import compare_runs

    check_counts(args)
    timeout_options(args, "openai:" if args.model is None else args.model)  # the run's model: below
    if args.temperature is not None and not 0 <= args.temperature <= 2:
        raise UsageError("--temperature is from 0 to 2")
    changes = Changes(
        model=args.model,
        base_url=args.base_url,
        temperature=args.temperature,
        seed=args.seed,
        prompt=args.prompt,
    )
    project = open_project_file(args.project)
    try:
        plan = plan_replicate(project, args.run, changes, base_urls=_known_base_urls(args))
        # the model asked, unless the change already names it
        print(plan.describe() + ("" if args.model else f"; model {plan.model}"), file=sys.stderr)
        for note in plan.notes:
            print(f"note: {note}", file=sys.stderr)
        if plan.resume is not None:
            print(
                f"resuming run {plan.resume}, an interrupted replicate of run {plan.of} with "
                "the same settings (its answers were paid for)",
                file=sys.stderr,
            )
        task = plan.task()
        backend = plan.backend(args.concurrency, **timeout_options(args, plan.model))
        try:
            check_can_run(task, backend)
            if backend.remote:
                # What is announced (and consented to) is the plan's: its server and rows.
                args.text_column, args.limit, args.base_url = (
                    plan.text_column,
                    None,
                    plan.base_url,
                )
                announce_api_run(project, task, backend, args, [plan.text_column], list(plan.rows))
            stop = threading.Event()
            signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C cancels cleanly
            line = StatusLine()
            result = run_replicate(
                project, plan, backend, monitor=Monitor(progress_printer(line), stop.is_set)
            )
            line.end()
        finally:
            backend.close()
        print(
            result.summary(f"run {result.run_id} (replicate of run {plan.of})")
            + f"; kept in {project.path}",
            file=sys.stderr,
        )
        status = job_status(result)
        if status != DONE:
            return status
        found = compare_runs(project, plan.of, result.run_id, n_resamples=args.bootstrap, seed=0)
        print(stability_text(project, plan.of, result.run_id, found))
    finally:
        project.close()
    return DONE


def register(commands: Commands) -> None:
    """The ``replicate`` command's parser."""
    p = commands.add(
        "replicate",
        run,
        description="Ask a stored run's task again, as a replicate: the same task, model and "
        "rows, with one thing changed (--model, --temperature, --prompt, --seed) "
        "or nothing. A replicate never reads the answers of the run it repeats "
        "from the cache: it asks again. It is kept as a run of its own "
        "(columns <task>_label_run<N>) and compared with the run it repeats "
        "(kappa, alpha, share of rows changed, with 95% CIs). Ctrl+C keeps the "
        "rows finished; the same command resumes.",
    )
    p.add_argument("project", help=f"a project ({SUFFIX})")
    p.add_argument("--run", type=int, required=True, metavar="N", help="the run to repeat")
    p.add_argument(
        "--model",
        metavar="SPEC",
        help="another model: builtin, lexicon, hf:PATH_OR_HUB_ID, openai:MODEL_NAME",
    )
    p.add_argument(
        "--base-url", help="the OpenAI-compatible server (the project keeps the server's host only)"
    )
    p.add_argument(
        "--temperature",
        type=float,
        metavar="T",
        help="openai: models: sample at T (0 to 2) instead of the run's",
    )
    p.add_argument(
        "--prompt",
        metavar="TEXT",
        help="prompt task: a new template; sentiment and coding: a new wording of "
        "the instruction's first line (generative models)",
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="openai: the request's seed; builtin: the seed of fine-tuning on coded examples",
    )
    api_args(p)
    p.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="resamples for the 95%% intervals of the comparison (default 1000)",
    )
