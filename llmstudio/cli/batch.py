"""Runs sent through an OpenAI-compatible Batch API: ``annotate ... --batch`` sends one, and
``llmstudio batch status|fetch|cancel PROJECT [--batch ID]`` follows it (in any later
session: the batches are kept in the project)."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import UsageError
from .exit_codes import DONE, ERROR
from .parser import Commands

SHOWN_FAILURES = 20  # failed rows printed by fetch; all of them are in the project


def batch_arg(p: argparse.ArgumentParser) -> None:
    """``annotate``'s ``--batch``."""
    p.add_argument(
        "--batch",
        action="store_true",
        help="openai: send the run as a batch through the server's Batch API (about half "
        "the price, finishes within 24 h); needs --project or the project beside FILE; "
        "follow it with llmstudio batch status|fetch PROJECT",
    )
    p.add_argument(
        "--batch-requests",
        type=int,
        metavar="N",
        help="--batch: at most N requests per batch (default and most: OpenAI's 50,000; "
        "a server with a lower limit needs less); a larger run is sent as several batches",
    )


def check_batch_options(args: argparse.Namespace) -> None:
    """``--batch`` with options it cannot honour: said before any file is read."""
    if not args.batch:
        if args.batch_requests is not None:
            raise UsageError("--batch-requests goes with --batch")
        return
    from ..core.batch_file import MAX_REQUESTS

    if args.batch_requests is not None and not 1 <= args.batch_requests <= MAX_REQUESTS:
        raise UsageError(
            f"--batch-requests: from 1 to {MAX_REQUESTS:,} (the API's limit), "
            f"not {args.batch_requests}"
        )
    if args.out:
        raise UsageError(
            "--batch with --out: a batch's answers come later; fetch them with llmstudio "
            "batch fetch PROJECT, then write the table with llmstudio export"
        )
    from ..core.backends.spec import OPENAI, kind_of

    kind = kind_of(args.model)
    if kind is None or kind.name != OPENAI:
        raise UsageError(f"--batch is for openai: models (an API's Batch API), not {args.model}")


def submit_batch(project, how: str, task, backend, args: argparse.Namespace) -> int:
    """Send ``annotate``'s run as batches (kept in ``project``: ``how`` is never
    "temporary", --out being refused); the exit status."""
    from ..core.batch_runs import submit_batches
    from .sending import announce_api_run

    announce_api_run(project, task, backend, args, batch=True)
    from ..core.batch_file import MAX_REQUESTS
    from ..core.batch_recovery import reconcile

    # a batch a killed process may have created is found before any row is sent again
    for found in reconcile(project):
        print(found.message, file=sys.stderr)

    sent = submit_batches(
        project,
        task,
        backend,
        text_column=args.text_column,
        limit=args.limit,
        max_requests=args.batch_requests or MAX_REQUESTS,
    )
    backend.close()
    print(sent.summary(), file=sys.stderr)
    for row_id, why in sent.refused[:SHOWN_FAILURES]:
        print(f"  row {row_id + 1}: {why}", file=sys.stderr)
    for batch_id in sent.batch_ids:
        print(batch_id)
    if sent.batch_ids:
        print(
            f"follow it: llmstudio batch status {project.path}; when it is done: "
            f"llmstudio batch fetch {project.path}",
            file=sys.stderr,
        )
    return DONE


def run(args: argparse.Namespace) -> int:
    """``batch``: the state of a project's batches, fetch their answers, or cancel them."""
    from ..core import batch_results
    from ..core.batch_recovery import reconcile, unconfirmed
    from ..core.project import Project

    with Project.open(args.project) as project:
        # a batch a killed process left unconfirmed is settled with the server first
        for found in reconcile(project):
            print(found.message, file=sys.stderr)
        sending = unconfirmed(project)  # left to the live job sending them
        if sending:
            print(
                f"{sending} batch{'es are' if sending > 1 else ' is'} being sent by a job "
                "still running (not listed until the server has made it)",
                file=sys.stderr,
            )
        if args.action == "status":
            infos = batch_results.refresh(project, args.batch)
            # every batch the project sent, the fetched ones too (their counts)
            _print_states(infos if args.batch else batch_results.batches(project))
            return DONE
        if args.action == "cancel":
            _print_states(batch_results.cancel(project, args.batch))
            return DONE
        got = batch_results.fetch(project, args.batch)
        return _report_fetch(project, got, args)


def _print_states(infos) -> None:
    if not infos:
        print("this project has sent no batch", file=sys.stderr)
    for info in infos:
        print(f"{info.batch_id}\trun {info.run_id}\t{info.requests:,} requests\t{info.state_text}")


def _report_fetch(project, got, args: argparse.Namespace) -> int:
    for info in got.not_ready:
        print(f"{info.batch_id}: not finished yet ({info.state_text})", file=sys.stderr)
    if got.batch_ids:
        print(
            f"fetched {len(got.batch_ids)} batch{'es' if len(got.batch_ids) != 1 else ''}: "
            f"{got.answered:,} rows answered, {len(got.failed):,} failed",
            file=sys.stderr,
        )
    for row_id, why in got.failed[:SHOWN_FAILURES]:
        print(f"  row {row_id + 1}: {why}", file=sys.stderr)
    if len(got.failed) > SHOWN_FAILURES:
        print(f"  ... and {len(got.failed) - SHOWN_FAILURES:,} more", file=sys.stderr)
    for run_id, state in got.runs.items():
        print(f"run {run_id}: {state}", file=sys.stderr)
        if state == "interrupted" and not args.resend:
            print(
                f"  send its unanswered rows as an ordinary run: llmstudio batch fetch "
                f"{project.path} --resend (or llmstudio runs resume {project.path} --run "
                f"{run_id})",
                file=sys.stderr,
            )
    if args.resend:
        return _resend(project, got)
    if not got.batch_ids and got.not_ready:
        return DONE
    return ERROR if got.failed and not got.answered else DONE


def _resend(project, got) -> int:
    """The unanswered rows of the project's batch runs, asked as ordinary requests: the
    runs just fetched and those fetched before (the hint after a fetch says to come back
    with --resend), each once every batch of it is fetched."""
    from ..core.batch_results import base_url_of_run, batches
    from ..core.resume import resume_run
    from ..core.runs import interrupted_runs
    from .exit_codes import job_status

    status = DONE
    sent = 0
    sent_as_batch = {info.run_id for info in batches(project)}
    # interrupted_runs leaves out the runs a batch of which is still at work at the server
    for run in interrupted_runs(project):
        if run.run_id not in sent_as_batch:
            continue  # an ordinary run: runs resume is its way
        run_id = run.run_id
        result = resume_run(project, run_id, base_url=base_url_of_run(project, run_id))
        print(f"run {run_id} sent again: {result.summary()}", file=sys.stderr)
        status = max(status, job_status(result))
        sent += 1
    if not sent:
        print(
            "nothing to send again: every batch run is complete, or waits for a batch "
            "at the server (llmstudio batch status)",
            file=sys.stderr,
        )
    return status


def register(commands: Commands) -> None:
    """The ``batch`` command's parser."""
    p = commands.add(
        "batch",
        run,
        description="Follow the batches a project sent (annotate --batch): status asks the "
        "server their state, fetch stores the answers of the finished ones in their run "
        "(the rows a batch did not answer are listed; --resend asks them as an ordinary "
        "run), cancel stops them (the part done can still be fetched).",
    )
    p.add_argument("action", choices=["status", "fetch", "cancel"])
    p.add_argument("project", help="the project (.llmstudio) the batch was sent from")
    p.add_argument("--batch", metavar="ID", help="only this batch (default: every one waiting)")
    p.add_argument(
        "--resend",
        action="store_true",
        help="fetch: send the rows the batch did not answer again as an ordinary run",
    )
