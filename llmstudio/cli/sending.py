"""What a command's model run sends to an API, said before it is sent (``annotate``,
``bias``, ``replicate``)."""

from __future__ import annotations

import argparse
import sys

from ..core.project import Project


def announce_api_run(
    project: Project,
    task,
    backend,
    args: argparse.Namespace,
    text_columns: list[str] | None = None,
    rows=None,
    batch: bool = False,
) -> None:
    """Say what leaves the computer and what it may cost; typing the command is the
    consent, which is recorded in the project like the window's consent dialog.
    ``text_columns``/``rows``: what a job sends other than the text column's first
    ``--limit`` rows (``bias`` sends an original and a swapped column, swapped rows only);
    ``batch``: sent as a batch (``annotate --batch``), priced as one."""
    from ..core.chunking import LongTexts
    from ..core.empty_texts import empty_words
    from ..core.loopback import is_loopback_endpoint
    from ..core.secrets import endpoint_id
    from ..core.send_plan import send_plan

    corpus = project.corpus()
    sent = text_columns or [args.text_column or corpus.text_column]
    if rows is None:
        rows = range(min(len(corpus.frame), args.limit or len(corpus.frame)))
    # The backend's host: the server it sends to (OPENAI_BASE_URL's when no --base-url).
    endpoint = backend.host or endpoint_id(args.base_url)
    # A long text goes as one request per chunk, identical inputs once: the estimate
    # counts what is sent.
    plan = send_plan(
        task,
        corpus.frame,
        sent,
        endpoint,
        backend.model,
        rows,
        pieces=LongTexts(backend, task).pieces,
        batch=batch,
    )
    named = ", ".join(repr(c) for c in plan.columns)
    on_this_computer = is_loopback_endpoint(endpoint)
    # Rows with no text are never sent: said, not counted.
    left_out = f" ({empty_words(plan.empty)} left out)" if plan.empty else ""
    print(
        f"sending column{'s' if len(plan.columns) > 1 else ''} {named} of "
        f"{plan.rows:,} rows{left_out} to {endpoint} (model {backend.model})"
        f"{' as a batch (finishes within 24 h)' if batch else ''}; "
        f"at most {plan.estimate}; answers already in the project are not requested again"
        + (
            "; a server on this computer: nothing leaves it (unless its port is a tunnel "
            "to another machine)"
            if on_this_computer
            else ""
        ),
        file=sys.stderr,
    )
    plan.grant(project)
