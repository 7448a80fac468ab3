"""``llmstudio demo --out DIR``: the headless demo: the sample project built, its model run
made and its table exported with the results, without a window."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from ..core.corpus import read_table
from ..core.errors import UsageError
from ..core.export import FORMATS
from ..core.progress import Monitor
from ..core.project import SUFFIX
from .exit_codes import DONE
from .parser import Commands
from .progress_line import StatusLine, progress_printer

NEXT_STEPS = """\
What next:
1. Open the project in the window: llmstudio "{project}" (or start llmstudio and choose
"Open the sample project" on the start page).
2. Follow Help > Getting started in the window (or the README's "first project in ten
minutes"): code 20 answers by hand, run a model, check agreement, make a chart, export.
Note: the {codes} pre-filled codes (coder "{coder}") are the sentiment each answer was
written to carry, not a coder's judgement; code your own before you compare."""


def run(args: argparse.Namespace) -> int:
    """``demo``: the sample project built (or the one in ``--out`` reused), its sentiment
    run made, the table exported with the model's columns; the exit status."""
    from ..core.annotated import export_annotated
    from ..core.human_codes import current
    from ..core.paths import sample_corpus
    from ..core.sample_project import (
        SAMPLE_CODEBOOK,
        SAMPLE_CODER,
        is_sample,
        needs_model_run,
        open_sample_project,
        run_sample_model,
    )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = read_table(sample_corpus())
    written = [out / "inspect.json"]
    written[0].write_text(json.dumps(corpus.summary(), ensure_ascii=False, indent=2), "utf-8")
    # An earlier demo's project is reused as it is (codes added since are kept; an
    # unfinished run is finished), never replaced.
    project, _made = open_sample_project(out / f"sample{SUFFIX}")
    try:
        if not is_sample(project):
            raise UsageError(
                f"{project.path} is not a sample project made by llmstudio demo; "
                "give another --out folder"
            )
        if needs_model_run(project):
            print(
                f"Running the builtin sentiment model on {corpus.rows} answers "
                "(offline; about 10-30 s)…",
                file=sys.stderr,
            )
            line = StatusLine()
            run_sample_model(
                project, monitor=Monitor(progress_printer(line), threading.Event().is_set)
            )
            line.end()
        codes = len(current(project, SAMPLE_CODEBOOK.name, SAMPLE_CODER))
        # The table as a researcher exports it from the window: the corpus, the model's
        # columns and the coders' (core.annotated), in every format.
        for suffix in FORMATS:
            written.append(export_annotated(project, out / f"sample_export{suffix}"))
    finally:
        project.close()
    written.insert(1, project.path)
    shot = out / "main_window.png"
    try:
        from ..gui.app import screenshot

        screenshot(project.path, shot)  # the project: its model results show too
        written.append(shot)
    except ImportError as exc:  # a core-only install has no Qt
        print(f"(no screenshot: {exc})", file=sys.stderr)
    print(
        f"Headless demo: read {corpus.rows} rows x {len(corpus.columns)} columns of "
        f"{sample_corpus().name} (text column {corpus.text_column!r}), ran the builtin "
        "sentiment model on every row. Wrote:"
    )
    for path in written:
        print(f"  {Path(path).resolve()}")
    print(NEXT_STEPS.format(project=project.path.resolve(), coder=SAMPLE_CODER, codes=codes))
    return DONE


def register(commands: Commands) -> None:
    """The ``demo`` command's parser."""
    p = commands.add(
        "demo",
        run,
        description="Run the headless demo: the sample project with a model run, exported.",
    )
    p.add_argument("--out", default="demo-output", help="folder for the output files")
