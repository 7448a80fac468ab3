"""``llmstudio demo --out DIR``: the headless demo on the bundled sample corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.corpus import read_table
from ..core.export import FORMATS, export_table
from ..core.project import SUFFIX, Project
from .exit_codes import DONE
from .parser import Commands


def run(args: argparse.Namespace) -> int:
    """``demo``: the sample corpus read, annotated and exported into ``--out``; the exit status."""
    from ..core.paths import sample_corpus

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = read_table(sample_corpus())
    written = [out / "inspect.json"]
    written[0].write_text(json.dumps(corpus.summary(), ensure_ascii=False, indent=2), "utf-8")
    project = Project.create(out / f"sample{SUFFIX}", corpus)
    try:
        # A model on this computer at work: sentiment by the best downloaded sentiment
        # model of the catalogue, else the builtin MiniLM (said on stderr, with how well
        # it reads sentiment), with the VADER lexicon's label beside it, stored in the
        # project and exported.
        from ..core.backends import make_backend
        from ..core.runner import run_job, run_results
        from ..core.tasks import SentimentTask
        from .options import chosen_model

        backend = make_backend(chosen_model(None, "sentiment"))
        result = run_job(project, SentimentTask(baseline=True), backend)
        backend.close()
        annotated = corpus.frame.join(run_results(project, result.run_id), how="left")
        written.append(export_table(annotated, out / "sample_sentiment.csv"))
    finally:
        project.close()
    written.append(project.path)
    for suffix in FORMATS:
        written.append(export_table(corpus.frame, out / f"sample_export{suffix}"))
    shot = out / "main_window.png"
    try:
        from ..gui.app import screenshot

        screenshot(project.path, shot)  # the project: its model results show too
        written.append(shot)
    except ImportError as exc:  # a core-only install has no Qt
        print(f"(no screenshot: {exc})", file=sys.stderr)
    print(
        f"Headless demo: read {corpus.rows} rows x {len(corpus.columns)} columns of "
        f"{sample_corpus().name} (text column {corpus.text_column!r}). Wrote:"
    )
    for path in written:
        print(f"  {path.resolve()}")
    return DONE


def register(commands: Commands) -> None:
    """The ``demo`` command's parser."""
    p = commands.add("demo", run, description="Run the headless demo on the bundled sample corpus.")
    p.add_argument("--out", default="demo-output", help="folder for the output files")
