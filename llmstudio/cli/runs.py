"""``llmstudio runs``: list a project's runs and resume, discard, rename or delete one.

    llmstudio runs PROJECT                               list (id, name, task, model, state...)
    llmstudio runs resume PROJECT --run N [--base-url URL]
    llmstudio runs discard PROJECT --run N [--yes]
    llmstudio runs rename PROJECT --run N [NAME]         no NAME: back to "run N"
    llmstudio runs delete PROJECT --run N [--yes]

Delete and discard ask on a terminal and refuse without ``--yes`` when there is none.
Exit statuses: :mod:`llmstudio.cli.exit_codes`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from ..core.errors import LlmstudioError
from ..core.progress import Monitor
from ..core.project import SUFFIX, Project, open_project_file
from .exit_codes import DONE, ERROR, USAGE_OR_CANCELLED, job_status
from .options import concurrency_arg, timeout_arg, timeout_options
from .parser import Commands

ACTIONS = ("list", "resume", "discard", "rename", "delete")


class Parser(argparse.ArgumentParser):
    """Options anywhere among the words (``runs rename P --run 2 pilot``)."""

    def parse_args(self, args=None, namespace=None):
        return self.parse_intermixed_args(args, namespace)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``runs`` command's words and options."""
    p.add_argument(
        "action_or_project",
        metavar="[ACTION] PROJECT",
        help=f"one of {', '.join(ACTIONS[1:])} then the project, or the project "
        "alone to list its runs",
    )
    p.add_argument("rest", nargs="*", metavar="PROJECT [NAME]", help=argparse.SUPPRESS)
    p.add_argument("--run", type=int, metavar="N", help="the run (its number in the list)")
    p.add_argument(
        "--yes",
        action="store_true",
        help="delete/discard without asking (needed when not on a terminal)",
    )
    p.add_argument("--json", action="store_true", help="list: print JSON")
    p.add_argument(
        "--base-url",
        help="resume: the OpenAI-compatible server of an API run (when it is not api.openai.com)",
    )
    concurrency_arg(p, "resume: ")

    timeout_arg(p)  # the API model commands' one --timeout


def register(commands: Commands) -> None:
    """The ``runs`` command's parser."""
    p = commands.add(
        "runs",
        run,
        parser_class=Parser,
        usage="llmstudio runs [resume|discard|rename|delete] PROJECT [--run N] [NAME] [--yes]",
        description="A project's model runs: list them (id, name, task, model, state, "
        "rows answered, created, finished); resume an interrupted run with "
        "its own settings; discard an interrupted run; rename a run (NAME; "
        "none: back to 'run N'); delete a run (its answers; the response "
        "cache and human codes stay). The latest complete run of each task "
        "has the plain column names; the others carry _run<N>.",
    )
    add_arguments(p)


def _parse(args: argparse.Namespace) -> tuple[str, str, str | None]:
    """(action, project, name) from the positional words; LlmstudioError on bad usage."""
    words = [args.action_or_project, *args.rest]
    action = words.pop(0) if words[0] in ACTIONS else "list"
    if action == "list" and len(words) > 1:
        raise LlmstudioError(f"runs: unknown action {words[0]!r}; one of {', '.join(ACTIONS)}")
    if not words:
        raise LlmstudioError(f"runs {action}: give the project ({SUFFIX})")
    project, *extra = words
    if action == "rename":
        if len(extra) > 1:
            raise LlmstudioError("runs rename: one NAME (quote a name with spaces)")
        name = extra[0] if extra else None
    else:
        if extra:
            raise LlmstudioError(f"runs {action}: unexpected {' '.join(extra)!r}")
        name = None
    if action != "list" and args.run is None:
        raise LlmstudioError(
            f"runs {action}: give the run with --run N (llmstudio runs {project} lists them)"
        )
    return action, project, name


def _list_text(infos) -> str:
    if not infos:
        return "no runs in this project"
    rows = [("run", "name", "task", "model", "state", "rows", "created", "finished")]
    for i in infos:
        extra = f" (replicate of run {i.replicate_of})" if i.replicate_of else ""
        rows.append(
            (
                str(i.run_id),
                i.name or "-",
                i.what + extra,
                i.model,
                i.state,
                f"{i.answered:,}/{i.rows_total:,}",
                i.created[:19].replace("T", " "),
                (i.finished[:19].replace("T", " ") or "-"),
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows)


def _confirm(question: str, yes: bool) -> bool:
    """True when the user agrees (or gave --yes). Without a terminal: LlmstudioError."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise LlmstudioError(f"{question.rstrip('?')}: not on a terminal to ask; give --yes")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    """``runs``: list, resume, discard, rename or delete a run; the exit status."""
    from ..core import runs

    try:
        action, path, name = _parse(args)
    except LlmstudioError as exc:
        print(f"llmstudio: error: {exc}", file=sys.stderr)
        return USAGE_OR_CANCELLED
    try:
        project = open_project_file(path, "runs lists and changes a project's runs")
    except LlmstudioError as exc:  # a missing file is an error (1), as for every command
        print(f"llmstudio: error: {exc}", file=sys.stderr)
        return ERROR
    try:
        if action == "list":
            infos = runs.run_infos(project)
            if args.json:
                print(json.dumps([asdict(i) for i in infos], ensure_ascii=False, indent=2))
            else:
                print(_list_text(infos))
                plain = runs.plain_runs(infos)
                if plain:
                    print(
                        f"\nplain column names (sentiment_label...): run "
                        f"{', '.join(map(str, sorted(plain)))}; the others carry _run<N>"
                    )
            return DONE
        if action == "rename":
            info = runs.rename_run(project, args.run, name)
            print(f"{info.describe()}", file=sys.stderr)
            return DONE
        if action in ("delete", "discard"):
            info = runs.run_info(project, args.run)
            if action == "discard" and info.state != runs.INTERRUPTED:
                runs.discard_run(project, args.run)  # says why not
            if not _confirm(
                f"{action} {info.describe()} ({info.answered:,} answers; human "
                "codes and the response cache stay)?",
                args.yes,
            ):
                print("llmstudio: nothing deleted", file=sys.stderr)
                return USAGE_OR_CANCELLED
            runs.delete_run(project, args.run, only_interrupted=action == "discard")
            print(
                f"{'deleted' if action == 'delete' else 'discarded'} {info.title}", file=sys.stderr
            )
            return DONE
        return _resume(project, args)
    except LlmstudioError as exc:
        print(f"llmstudio: error: {exc}", file=sys.stderr)
        return ERROR
    finally:
        project.close()


def _resume(project: Project, args: argparse.Namespace) -> int:
    import signal
    import threading

    from ..core import resume, runs
    from .progress_line import StatusLine, progress_printer

    spec = runs.resume_spec(project, args.run)  # a run that cannot be resumed: said first
    options = timeout_options(args, spec.model)
    print(f"resuming {runs.run_info(project, args.run).describe()}", file=sys.stderr)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C cancels cleanly
    line = StatusLine()
    result = resume.resume_run(
        project,
        args.run,
        base_url=args.base_url,
        concurrency=args.concurrency,
        monitor=Monitor(progress_printer(line), stop.is_set),
        **options,
    )
    line.end()
    print(result.summary(), file=sys.stderr)
    print(runs.run_info(project, args.run).describe(), file=sys.stderr)
    return job_status(result)
