"""``llmstudio annotate FILE``: run a task over every text with a model, kept in a project
(see :mod:`.target`) and/or written to ``--out``."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import LlmstudioError
from ..core.export import integer_notes
from ..core.progress import Monitor
from ..core.project import SUFFIX, Project
from .batch import batch_arg, check_batch_options, submit_batch
from .checks import check_counts, check_has_rows, check_model, check_out, check_out_folder
from .exit_codes import job_status
from .options import (
    api_args,
    chosen_model,
    label_args,
    model_args,
    runtime_arg,
    runtime_options,
    sends_requests,
    timeout_options,
)
from .parser import Commands
from .progress_line import StatusLine, progress_printer
from .reading import import_args
from .sending import announce_api_run
from .target import open_target, rows_kept
from .unit_split import parsed_unit, unit_arg
from .units_target import open_units_target


def _keep_codebook(project: Project, task) -> None:
    """A codebook given with --codebook goes into the project (the coding panel and the
    codebook editor find it there); one of that name already there is never replaced."""
    book = task.codebook
    if book is None:
        return
    if book.name not in project.codebooks():
        project.save_codebook(book)
        print(f"stored codebook {book.name!r} in {project.path}", file=sys.stderr)
    elif project.codebook(book.name).to_dict() != book.to_dict():
        print(
            f"note: {project.path} already has a different codebook {book.name!r}; it was "
            "kept as it is (this run used the file's)",
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    """``annotate``: the task over FILE's texts with ``--model``; the exit status."""
    import signal
    import tempfile
    import threading

    from ..core.backends import BackendError, make_backend
    from ..core.export import export_table
    from ..core.run_form import RunForm
    from ..core.runner import check_can_run, run_job, run_results

    # Everything that can be checked before the first row is: the options, the output's
    # extension, the task (codebook, examples), the input and its text column, the
    # project; then the model can run the task (labels it can give) before any request.
    check_counts(args)
    unit = parsed_unit(args)
    args.model = chosen_model(args.model, args.task)
    check_model(args)
    runtime = runtime_options(args)
    timeout = timeout_options(args)
    check_out(args.out)
    check_out_folder(args.out)
    check_batch_options(args)
    # The same form, and the same task from it, as the run dialog's (core.run_form).
    form = RunForm(
        task_name=args.task,
        labels=args.labels,
        labels_option="--labels",
        scale=args.scale,
        codebook=args.codebook,
        multi_label=args.multi_label,
        none_option=args.none_option,
        examples=args.examples,
        prompt=args.prompt,
        system=args.system or "",
        explain=args.explain,
        baseline=args.baseline,
        long_texts=args.long_texts,
        model=args.model,
        base_url=args.base_url,
        text_column=args.text_column,
    )
    task = form.task()
    with tempfile.TemporaryDirectory() as tmp:
        if unit:
            project, how = open_units_target(args, tmp, unit)
        else:
            project, how = open_target(args, tmp)
        try:
            corpus = project.corpus()
            check_has_rows(corpus, args.file)
            column = args.text_column or corpus.text_column
            # the column, its values, the prompt's placeholders; before any request
            form.check_input(task, corpus.frame, column, args.file)
            from ..core.export import check_fits

            if args.out:  # Excel's limits, before any request is paid for (+1: the errors)
                check_fits(
                    args.out, len(corpus.frame), len(corpus.columns) + len(task.columns()) + 1
                )
            if how != "temporary":
                _keep_codebook(project, task)
            options = dict(runtime)
            if sends_requests(args.model):
                options = {
                    "requests_per_minute": args.rpm,
                    "tokens_per_minute": args.tpm,
                    "context_window": args.context_window,
                    **timeout,
                }
            elif args.context_window is not None:
                raise LlmstudioError(
                    "--context-window is for openai: models (a local "
                    "model's limit is read from the model)"
                )
            backend = make_backend(
                args.model, base_url=args.base_url, concurrency=args.concurrency, **options
            )
            check_can_run(task, backend)
            if args.batch:
                return submit_batch(project, how, task, backend, args)
            if backend.remote:
                announce_api_run(project, task, backend, args)
            if how == "beside":
                print(
                    f"the run is kept in {project.path} (give --project or --out to choose)",
                    file=sys.stderr,
                )
            elif how == "kept":
                print(f"resuming the unfinished job kept in {project.path}", file=sys.stderr)
            stop = threading.Event()
            signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C cancels cleanly
            line = StatusLine()
            runs: list[int] = []
            try:
                result = run_job(
                    project,
                    task,
                    backend,
                    text_column=args.text_column,
                    limit=args.limit,
                    monitor=Monitor(progress_printer(line), stop.is_set),
                    on_run=runs.append,
                )
            except BackendError as exc:  # the model cannot go on: say where its rows are
                line.end()
                kept = rows_kept(project, how, args, runs)
                if kept is None:
                    raise
                raise BackendError(f"{exc}; {kept}") from None
            backend.close()
            line.end()
            print(result.summary(), file=sys.stderr)
            for row_id, error in result.errors[:10]:
                print(f"  row {row_id + 1}: {error}", file=sys.stderr)
            if args.out:
                frame = project.corpus().frame
                results = run_results(project, result.run_id)
                table = frame.join(results, how="left")
                out = export_table(table, args.out)
                print(f"wrote {len(table):,} rows to {out}", file=sys.stderr)
                for note in integer_notes(table, out):
                    print(f"note: {note}", file=sys.stderr)
            if how != "temporary":
                print(f"kept run {result.run_id} in {project.path}", file=sys.stderr)
            kept = None
            if result.status != "done":
                kept = rows_kept(project, how, args, [result.run_id]) or (
                    "no row was answered, so none is kept"
                )
        finally:
            project.close()
    return job_status(result, kept=kept) if kept else job_status(result)


def register(commands: Commands) -> None:
    """The ``annotate`` command's parser."""
    p = commands.add(
        "annotate",
        run,
        description="Run a task over every text with a model. With --project, the same "
        "command again resumes its run (killed or cancelled) and asks nothing "
        "twice. llmstudio runs PROJECT lists the runs and resumes, discards, "
        "renames or deletes one; the latest complete run of a task has the "
        "plain column names, the others carry _run<N>.",
    )
    p.add_argument(
        "file", help="a data file, documents (a folder of them or one PDF, DOCX, ...), or a project"
    )
    p.add_argument(
        "--task",
        choices=["sentiment", "code", "prompt"],
        default="sentiment",
        help="sentiment (default); code: against --codebook or --labels; "
        "prompt: a free --prompt template",
    )
    model_args(p, follow_downloads=True)
    runtime_arg(p)
    label_args(p)
    p.add_argument(
        "--multi-label",
        action="store_true",
        help="code: any number of codes per text (a column per code)",
    )
    p.add_argument(
        "--none-option",
        action="store_true",
        help="code: offer 'none' (none of the codes applies)",
    )
    p.add_argument(
        "--examples",
        help="few-shot: a table with 'text' and 'label' columns "
        "(multi-label: codes separated by ';')",
    )
    p.add_argument(
        "--prompt",
        help="prompt: a template with {text} and {column} "
        'placeholders, e.g. "Summarise in 10 words: {text}"',
    )
    p.add_argument("--system", help="prompt: a system message for the model")
    p.add_argument(
        "--explain",
        action="store_true",
        help="a one-sentence explanation per row (generative models)",
    )
    p.add_argument(
        "--baseline",
        action="store_true",
        help="sentiment: add the VADER lexicon's label as a column to compare",
    )
    p.add_argument(
        "--project",
        help=f"keep the run in this {SUFFIX} file (created from "
        "FILE if missing); a second run resumes or reuses it. "
        "Without --project or --out: FILE's project beside it "
        f"(survey.csv -> survey{SUFFIX})",
    )
    p.add_argument("--out", help="write the table with the new columns (.csv .xlsx .parquet)")
    api_args(p)
    batch_arg(p)
    p.add_argument("--limit", type=int, help="only the first N rows")
    p.add_argument(
        "--long-texts",
        choices=["split", "truncate"],
        default="split",
        help="texts longer than the model reads at once: split (default) "
        "into chunks whose answers are combined, or truncate (the model "
        "reads the start); the <task>_chunks column marks them",
    )
    p.add_argument(
        "--context-window",
        type=int,
        metavar="TOKENS",
        help="openai: the model's context window in tokens, when the server "
        "does not say it (default: OpenAI's figure for its models, else "
        "4096)",
    )
    unit_arg(
        p,
        "the run and its output are then one row per unit, with document, unit, "
        "unit_start, unit_end",
    )
    import_args(p)
