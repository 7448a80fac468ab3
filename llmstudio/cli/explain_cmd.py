"""``llmstudio explain PROJECT --row N --run RUN``: which words moved one run's answer for
one row, by occlusion (any model) or integrated gradients (a local classifier)."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import Cancelled
from ..core.progress import Monitor
from ..core.project import SUFFIX, open_project_file
from .exit_codes import DONE, USAGE_OR_CANCELLED
from .parser import Commands
from .progress_line import StatusLine, progress_printer


def _known_base_urls(args: argparse.Namespace) -> list[str]:
    """``--base-url``, then the servers of Model settings (an API run's host found there)."""
    from ..core.model_config import load_config

    urls = [args.base_url] if args.base_url else []
    return urls + [e.base_url for e in load_config().endpoints if e.base_url]


def run(args: argparse.Namespace) -> int:
    """``explain``: the words of a row weighed for its answer; the exit status."""
    import signal
    import threading

    from ..core.errors import UsageError
    from ..core.explain.attribution import WHAT_IT_IS
    from ..core.explain.explain import Explainer
    from ..core.explain.export import write_attribution

    if args.row < 1:
        raise UsageError("--row counts from 1 (the table's row numbers)")
    if args.window < 1:
        raise UsageError("--window is at least 1 word")
    project = open_project_file(args.project)
    try:
        with Explainer(
            project,
            args.run,
            args.row - 1,
            method=args.method,
            window=args.window,
            label=args.label,
            base_url=args.base_url,
            base_urls=_known_base_urls(args),
            concurrency=args.concurrency,
        ) as explainer:
            plan = explainer.plan
            print(
                f"explaining label {explainer.question.label!r} of row {args.row} in "
                f"{explainer.question.run_title}: {plan.describe()}",
                file=sys.stderr,
            )
            if plan.send is not None:
                if not args.send:
                    print(
                        f"nothing was sent: row {args.row}'s text would go to "
                        f"{plan.send.endpoint}; add --send to send it",
                        file=sys.stderr,
                    )
                    return USAGE_OR_CANCELLED
                plan.send.grant(project)  # the flag is the consent, kept as the window's
            stop = threading.Event()
            signal.signal(signal.SIGINT, lambda *_: stop.set())
            line = StatusLine()
            try:
                result = explainer.run(Monitor(progress_printer(line), stop.is_set))
            except Cancelled:
                line.end()
                print("llmstudio: cancelled", file=sys.stderr)
                return USAGE_OR_CANCELLED
            line.end()
    finally:
        project.close()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"note: {WHAT_IT_IS}", file=sys.stderr)
    if args.out:
        path = write_attribution(result, args.out)
        print(f"wrote {path} ({result.describe()})", file=sys.stderr)
    else:
        print(result.describe())
        print(result.table().to_string(index=False))
    return DONE


def register(commands: Commands) -> None:
    """The ``explain`` command's parser."""
    p = commands.add(
        "explain",
        run,
        description="Why a run gave a row its label: each word of the row's text weighed by "
        "how much it moved the model's score for that label. occlusion (any model): each "
        "word left out in turn and the text asked again through the run's model, weight = "
        "the score's drop (one request per word, said before any is made; an API model "
        "needs --send). gradients: integrated gradients (Captum) through a local hf: "
        "classifier. Prints the words and weights, or writes --out as .html (the "
        "highlighted text) or a table (.csv, .xlsx).",
    )
    p.add_argument("project", help=f"a project ({SUFFIX})")
    p.add_argument("--row", type=int, required=True, metavar="N", help="the row (from 1)")
    p.add_argument("--run", type=int, required=True, metavar="RUN", help="the run (llmstudio runs)")
    p.add_argument(
        "--method",
        choices=("occlusion", "gradients"),
        default="occlusion",
        help="(default occlusion)",
    )
    p.add_argument(
        "--window",
        type=int,
        default=1,
        metavar="N",
        help="occlusion: leave N words in a row out at a time (a word's weight: the mean "
        "over the N-word phrases that hold it; default 1)",
    )
    p.add_argument(
        "--label",
        metavar="LABEL",
        help="the label whose score is explained (default: the run's answer for the row)",
    )
    p.add_argument("--out", metavar="FILE", help="write .html, .csv or .xlsx instead of printing")
    p.add_argument("--base-url", help="an API run's server (the project keeps its host only)")
    p.add_argument(
        "--send",
        action="store_true",
        help="an API model elsewhere: send the row's text with words left out (the "
        "number of requests and their cost are printed first)",
    )
    p.add_argument("--concurrency", type=int, default=4, help="parallel API requests")
