"""Command line: the same core calls as the GUI, for scripts and reproducibility.

    llmstudio [FILE] [--screenshot OUT.png]   open the window (optionally on FILE)
    llmstudio inspect FILE [--json]           how a file is read
    llmstudio convert FILE --out OUT          import, then export (.csv .xlsx .parquet)
    llmstudio demo --out DIR                  headless demo on the bundled sample
    llmstudio agree FILE --columns A B [C..]  agreement between coder/model columns
    llmstudio export PROJECT --out FILE       annotated table (.csv .xlsx .parquet .dta)
    llmstudio export PROJECT --methods OUT.md methods record (.md or .html)
    llmstudio export PROJECT --coding-log F   every click of the coding by hand, with memos
    llmstudio bias FILE --swap gender --out DIR   counterfactual swaps: does the label change?
    llmstudio probe --model SPEC --probe eec|occupations --out DIR   template/completion probes
    llmstudio replicate PROJECT --run N [--temperature T ...]   ask a run's task again
    llmstudio agree PROJECT --run N --run M   run-to-run stability (replicates)
    llmstudio runs PROJECT                    list runs; runs resume|discard|rename|delete

Errors print one line on stderr (what and where), never a traceback; the exit statuses
are one table for every command (``exit_codes.py``: 0 done, 1 error, 2 usage or cancelled).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .. import __version__
from ..core.corpus import Corpus, ImportOptions, read_table
from ..core.errors import LlmstudioError, ProjectExists, UsageError
from ..core.export import FORMATS, export_format, export_table, integer_notes
from ..core.progress import Monitor
from ..core.project import SUFFIX, Project, is_project, load_any, open_project_file
from ..core.secrets import redact
from ..core.sniff import DELIMITER_NAMES, QUOTINGS
from ..log import log, setup_logging
from .exit_codes import DONE, ERROR, TABLE, USAGE_OR_CANCELLED, job_status
from .options import sends_requests as _sends_requests
from .options import timeout_arg as _timeout_arg
from .options import timeout_options as _timeout
from .progress_line import StatusLine
from .progress_line import progress_printer as _progress_printer

COMMANDS = (
    "inspect",
    "convert",
    "demo",
    "annotate",
    "agree",
    "bias",
    "probe",
    "export",
    "replicate",
    "runs",
)


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions as usual, keeps the exit-status table (an epilog) as written."""

    def _fill_text(self, text, width, indent):
        return text if "\n" in text else super()._fill_text(text, width, indent)


_DELIMITER_WORDS = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "pipe": "|",
    "none": "",
    "\\t": "\t",
}


def _delimiter(value: str) -> str:
    value = _DELIMITER_WORDS.get(value.lower(), value)
    if len(value) > 1:
        raise argparse.ArgumentTypeError(
            f"a delimiter is one character or one of {', '.join(_DELIMITER_WORDS)}; got {value!r}"
        )
    return value


def _import_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reading the file (detected when not given)")
    g.add_argument("--encoding", help="e.g. utf-8, utf-8-sig, utf-16-le, cp1252, latin-1")
    g.add_argument(
        "--delimiter",
        type=_delimiter,
        help="one character, or comma / semicolon / tab / pipe / none",
    )
    g.add_argument("--no-header", action="store_true", help="the first row is data")
    g.add_argument("--skip-rows", type=int, metavar="N", help="records before the header")
    g.add_argument("--text-column", metavar="COL", help="the column holding the texts")
    g.add_argument("--sheet", help="Excel sheet name (default: the first)")
    g.add_argument(
        "--quoting",
        choices=QUOTINGS,
        help="auto (default): quoted fields, but a quote that never closes or "
        "takes in lines that look like rows is a plain character (and a "
        "problem names its line); csv: every quote opens a quoted field; "
        "none: quotes are plain characters",
    )


def _options(args: argparse.Namespace) -> ImportOptions:
    return ImportOptions(
        encoding=args.encoding,
        delimiter=args.delimiter,
        has_header=False if args.no_header else None,
        header_row=args.skip_rows,
        text_column=args.text_column,
        sheet=args.sheet,
        quoting=args.quoting,
    )


def load(path: str | Path, options: ImportOptions | None = None) -> Corpus:
    """A data file or a project's corpus (the project is closed again)."""
    corpus, project = load_any(path, options)
    if project is not None:
        project.close()
    return corpus


def load_with_codes(path: str | Path, options: ImportOptions | None = None):
    """A data file's table, or a project's corpus with its latest model results and every
    coder's codes (``human_<codebook>_<coder>``) as columns: what an export writes."""
    from ..core.results import with_results

    corpus, project = load_any(path, options)
    if project is None:
        return corpus.frame
    try:
        return with_results(project, corpus.frame)
    finally:
        project.close()


def _inspect_text(corpus: Corpus) -> str:
    s = corpus.summary()
    delim = s["delimiter"]
    lines = [
        f"file:        {s['file']}",
        f"format:      {s['format']}",
        f"encoding:    {s['encoding'] or '-'}",
        f"delimiter:   {DELIMITER_NAMES.get(delim, repr(delim)) if delim is not None else '-'}",
        f"header:      {'yes' if s['has_header'] else 'no'}"
        + (f" (after {s['header_row']} skipped record(s))" if s["header_row"] else ""),
        f"rows:        {s['rows']:,}",
        f"columns:     {len(s['columns'])}: {', '.join(map(repr, s['columns']))}",
        f"text column: {s['text_column']!r}",
        f"problems:    {len(s['problems'])}",
    ]
    lines += [f"  - {p}" for p in s["problems"]]
    return "\n".join(lines)


def cmd_inspect(args: argparse.Namespace) -> int:
    corpus = load(args.file, _options(args))
    if args.json:
        print(json.dumps(corpus.summary(), ensure_ascii=False, indent=2))
    else:
        print(_inspect_text(corpus))
    return DONE


def cmd_convert(args: argparse.Namespace) -> int:
    corpus = load(args.file, _options(args))
    out = export_table(corpus.frame, args.out, bom=args.bom, guard=not args.no_formula_guard)
    print(f"wrote {corpus.rows:,} rows x {len(corpus.columns)} columns to {out}", file=sys.stderr)
    for p in [*corpus.problems, *integer_notes(corpus.frame, out)]:
        print(f"note: {p}", file=sys.stderr)
    return DONE


def cmd_demo(args: argparse.Namespace) -> int:
    from ..core.paths import sample_corpus

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = read_table(sample_corpus())
    written = [out / "inspect.json"]
    written[0].write_text(json.dumps(corpus.summary(), ensure_ascii=False, indent=2), "utf-8")
    project = Project.create(out / f"sample{SUFFIX}", corpus)
    try:
        # The offline model at work: sentiment by the builtin MiniLM, with the VADER
        # lexicon's label beside it, stored in the project and exported.
        from ..core.backends import make_backend
        from ..core.runner import run_job, run_results
        from ..core.tasks import SentimentTask

        backend = make_backend("builtin")
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


def _announce_api_run(
    project: Project,
    task,
    backend,
    args: argparse.Namespace,
    text_columns: list[str] | None = None,
    rows=None,
) -> None:
    """Say what leaves the computer and what it may cost; typing the command is the
    consent, which is recorded in the project like the window's consent dialog.
    ``text_columns``/``rows``: what a job sends other than the text column's first
    ``--limit`` rows (``bias`` sends an original and a swapped column, swapped rows only)."""
    from ..core.chunking import LongTexts
    from ..core.empty_texts import empty_words
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
    )
    named = ", ".join(repr(c) for c in plan.columns)
    # Rows with no text are never sent: said, not counted.
    left_out = f" ({empty_words(plan.empty)} left out)" if plan.empty else ""
    print(
        f"sending column{'s' if len(plan.columns) > 1 else ''} {named} of "
        f"{plan.rows:,} rows{left_out} to {endpoint} (model {backend.model}); "
        f"at most {plan.estimate}; answers already in the project are not requested again",
        file=sys.stderr,
    )
    plan.grant(project)


def _check_model(args: argparse.Namespace) -> None:
    """``--model`` names a model llmstudio knows, before any file is written (UsageError)."""
    from ..core.backends.spec import ModelSpec, ModelSpecError

    try:
        ModelSpec.parse(args.model, getattr(args, "base_url", None))
    except ModelSpecError as exc:
        raise UsageError(f"--model: {exc}") from None


def _check_out(path: str | None) -> None:
    """An output table's extension, checked before any work (UsageError if unknown)."""
    from ..core.errors import ExportError
    from ..core.export import export_format

    if path:
        try:
            export_format(path)
        except ExportError as exc:
            raise UsageError(f"--out {exc}") from None


def _check_out_folder(path: str | None) -> None:
    """The output table's folder exists and can be written, before any work: a run that
    cannot be written at its end has been paid for for nothing (LlmstudioError)."""
    if not path:
        return
    out = Path(path)
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise LlmstudioError(f"--out {path}: is a folder; give a file name (.csv .xlsx .parquet)")
    if not folder.is_dir():
        raise LlmstudioError(f"--out {path}: no folder {str(folder)!r}")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise LlmstudioError(f"--out {path}: cannot write there (no permission)")


def _check_counts(args: argparse.Namespace) -> None:
    """Numbers of rows and requests that cannot be right, before any file is read."""
    if getattr(args, "limit", None) is not None and args.limit < 1:
        raise UsageError("--limit is a number of rows, 1 or more")
    if getattr(args, "concurrency", 1) < 1:
        raise UsageError("--concurrency is a number of parallel requests, 1 or more")


def _beside(source: Path, near: Path | None = None) -> Path:
    """The project kept beside a data file: ``survey.llmstudio`` next to ``survey.csv``,
    or that file's own project when it is already there; another file's project of that
    name is left alone (``survey_2.llmstudio``). ``near``: named after and put beside that
    file instead (``--out results.csv``: ``results.llmstudio``), still for ``source``."""
    near = near or source
    k, candidate = 1, near.with_suffix(SUFFIX)
    while candidate.exists():
        try:
            with Project.open(candidate) as other:
                if Path(other.meta("source") or "").resolve() == source.resolve():
                    return candidate
        except LlmstudioError:
            pass
        k += 1
        candidate = near.with_name(f"{near.stem}_{k}{SUFFIX}")
    return candidate


def _check_same_table(project: Project, source: Path, args: argparse.Namespace) -> None:
    """A project found for FILE (``--project``, or the one kept beside it) runs over the
    table it holds: refuse when that is not FILE's table as FILE is now, since the run
    would otherwise annotate another table (or an older FILE) without a word."""
    from ..core.cells import as_text

    held = project.corpus()
    now = read_table(source, _options(args))
    column = held.text_column

    def texts(frame):
        return frame[column].map(as_text).tolist()

    if column in now.frame.columns and texts(now.frame) == texts(held.frame):
        return
    made_from = project.meta("source") or "?"
    if Path(made_from).resolve() == source.resolve():
        why = (
            f"{source} changed since {project.path} was made from it "
            f"({len(held.frame):,} rows then, {len(now.frame):,} now)"
        )
    else:
        why = (
            f"{project.path} holds another table ({Path(made_from).name}, "
            f"{len(held.frame):,} rows) than {source} ({len(now.frame):,} rows)"
        )
    raise LlmstudioError(
        f"{why}: give --project a new file for this table, or run on the "
        f"project itself (llmstudio annotate {project.path})"
    )


def _writable(path: Path) -> None:
    """Refuse a project that could not be written, before any model is loaded."""
    folder = path.parent if not path.exists() else path
    if not os.access(folder if folder != Path("") else Path("."), os.W_OK):
        raise LlmstudioError(
            f"{path}: cannot write the project here (no permission); "
            "give --project PATH in a folder you can write to"
        )


def _open_target(args: argparse.Namespace, tmp: str) -> tuple[Project, str]:
    """The project a run goes into, and how to name it to the user: FILE itself when it
    is a project, ``--project``, a project beside FILE (neither ``--out`` nor
    ``--project``: paid answers are never thrown away), the project an unfinished job
    with ``--out`` alone kept beside OUT (``kept``: see :func:`_keep_unfinished`), or a
    temporary one (``--out``)."""
    source = Path(args.file)
    if not source.exists():
        raise LlmstudioError(f"{source}: no such file")
    if is_project(source):
        if args.project and Path(args.project).resolve() != source.resolve():
            raise UsageError(f"{source} is a project already: leave out --project")
        _writable(source)
        return Project.open(source), "given"
    if args.project:
        path, how = Path(args.project), "given"
    elif args.out and _beside(source, Path(args.out)).exists():
        path, how = _beside(source, Path(args.out)), "kept"
    elif args.out:
        path, how = Path(tmp) / f"annotate{SUFFIX}", "temporary"
    else:
        path, how = _beside(source), "beside"
    if path.exists():
        _writable(path)
        return _open_for(path, source, args), how
    # Beside its file, a project names the file absolutely: found again from any folder.
    corpus = read_table(source.resolve() if how != "given" else source, _options(args))
    _check_has_rows(corpus, source)
    for problem in corpus.problems:
        print(f"note: {source}: {problem}", file=sys.stderr)
    _writable(path)
    try:
        return Project.create(path, corpus, replace=False), how
    except ProjectExists:
        # Another llmstudio made it while this one read FILE: use it, as if found (the
        # run lock then keeps the two from asking for the same rows).
        return _open_for(path, source, args), how


def _open_for(path: Path, source: Path, args: argparse.Namespace) -> Project:
    """The existing project at ``path``, refused unless it holds FILE's table."""
    project = Project.open(path)
    try:
        _check_same_table(project, source, args)
    except LlmstudioError:
        project.close()
        raise
    return project


def _rows_kept(project: Project, how: str, args: argparse.Namespace, runs: list[int]) -> str | None:
    """Where the rows an unfinished job answered are, and what the same command does
    next; None when no row was answered. A job with ``--out`` alone keeps its temporary
    project beside OUT (see :func:`_keep_unfinished`) so that the same command asks only
    the rest."""
    from ..core.results import answered_count

    answered = answered_count(project, runs[0]) if runs else 0
    if not answered:
        return None
    rows = f"the {answered:,} rows answered are" if answered > 1 else "the 1 row answered is"
    if how != "temporary":
        return f"{rows} kept in {project.path} (the same command asks only the rest)"
    kept = _keep_unfinished(project, args)
    return (
        f"{rows} kept in {kept}"
        + (f" and written to {args.out}" if Path(args.out).exists() else "")
        + " (the same command asks only the rest)"
    )


def _keep_unfinished(project: Project, args: argparse.Namespace) -> Path:
    """Copy the temporary project of an unfinished job with ``--out`` alone beside OUT
    (``results.csv`` -> ``results.llmstudio``), where the same command finds it again
    (:func:`_open_target`): the answers paid for are not asked again."""
    path = _beside(Path(args.file), Path(args.out))
    project.save_as(path).close()
    return path


def _check_has_rows(corpus: Corpus, source) -> None:
    """Refuse a table read as 0 rows: a job over nothing must not end as "done".

    A header alone, or a quote on the header line that took in every line after it (as
    ``--quoting csv`` reads it); the problems found while reading say which.
    """
    from ..core.no_rows import zero_rows_message

    message = zero_rows_message(corpus, source)
    if message:
        raise LlmstudioError(message)


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


def cmd_annotate(args: argparse.Namespace) -> int:
    import signal
    import tempfile
    import threading

    from ..core.backends import BackendError, make_backend
    from ..core.export import export_table
    from ..core.runner import check_can_run, run_job, run_results
    from ..core.tasks.build import TaskOptions, make_task, parse_labels

    # Everything that can be checked before the first row is: the options, the output's
    # extension, the task (codebook, examples), the input and its text column, the
    # project; then the model can run the task (labels it can give) before any request.
    _check_counts(args)
    _check_model(args)
    timeout = _timeout(args)
    _check_out(args.out)
    _check_out_folder(args.out)
    task = make_task(
        TaskOptions(
            task=args.task,
            labels=parse_labels(args.labels),
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
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        project, how = _open_target(args, tmp)
        try:
            corpus = project.corpus()
            _check_has_rows(corpus, args.file)
            column = args.text_column or corpus.text_column
            if column not in corpus.frame.columns:
                raise LlmstudioError(
                    f"{args.file}: no column {column!r}; the columns are "
                    f"{', '.join(map(repr, corpus.columns))}"
                )
            from ..core.nested import text_column_problem

            problem = text_column_problem(corpus.frame, column)
            if problem:  # a list or map column: nothing to send
                raise LlmstudioError(f"{args.file}: {problem}")
            from ..core.export import check_fits

            if args.out:  # Excel's limits, before any request is paid for (+1: the errors)
                check_fits(
                    args.out, len(corpus.frame), len(corpus.columns) + len(task.columns()) + 1
                )
            from ..core.runner import row_inputs

            row_inputs(task, corpus.frame.head(1), column)  # placeholders naming no column
            if how != "temporary":
                _keep_codebook(project, task)
            options = {}
            if _sends_requests(args.model):
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
            if backend.remote:
                _announce_api_run(project, task, backend, args)
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
                    monitor=Monitor(_progress_printer(line), stop.is_set),
                    on_run=runs.append,
                )
            except BackendError as exc:  # the model cannot go on: say where its rows are
                line.end()
                kept = _rows_kept(project, how, args, runs)
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
                kept = _rows_kept(project, how, args, [result.run_id]) or (
                    "no row was answered, so none is kept"
                )
        finally:
            project.close()
    return job_status(result, kept=kept) if kept else job_status(result)


def _agree_text(file: str, report) -> str:
    """The agreement report as a table for people: values with their 95% intervals."""
    # Pairs are named in full: columns cut to a few letters (sentiment_la / sentiment_la)
    # could not be told apart, so the name column widens to the longest pair instead.
    pairs = {
        f"Cohen's kappa {a} / {b}": e
        for (a, b), e in (report.pairwise_cohen_kappa.items() if report.cohen_kappa is None else ())
    }
    width = max([32, *map(len, pairs)])

    def row(name: str, e) -> str:
        value = "undefined" if e.value != e.value else f"{e.value:.3f}"
        ci = f"[{e.ci_low:.3f}, {e.ci_high:.3f}]" if e.ci_low is not None else "-"
        return f"  {name:<{width}} {value:>9}  {ci:<17} {e.n:>7,}"

    cols = ", ".join(map(repr, report.columns))
    lines = [
        f"file:      {file} ({report.rows:,} rows)",
        f"columns:   {cols}",
        f"n:         {report.n:,} rows with codes from at least two columns; "
        f"{report.skipped:,} skipped (fewer than two codes)",
        f"codes:     {', '.join(report.labels)}",
        f"intervals: 95% percentile bootstrap, {report.n_resamples:,} resamples of rows, "
        f"seed {report.seed}",
        "",
        f"  {'statistic':<{width}} {'value':>9}  {'95% CI':<17} {'n':>7}",
        # with two columns percent agreement is accuracy: one number, one row
        row(
            "percent agreement" + (" (= accuracy)" if report.cohen_kappa is not None else ""),
            report.percent_agreement,
        ),
        row("Krippendorff's alpha (nominal)", report.krippendorff_alpha),
    ]
    if report.cohen_kappa is not None:
        lines += [
            row("Cohen's kappa", report.cohen_kappa),
            "",
            f"  against {report.columns[0]!r} as the reference:",
            row("macro-F1", report.macro_f1),
        ]
        for code, stats in report.per_code.items():
            lines += [
                row(f"{code[:20]}: {what}", stats[what]) for what in ("precision", "recall", "f1")
            ]
        width = max(len(label) for label in report.labels) + 2
        lines += [
            "",
            f"  confusion matrix (rows: {report.columns[0]!r}, columns: {report.columns[1]!r})",
            "  " + " " * width + "".join(f"{label:>{width}}" for label in report.labels),
        ]
        lines += [
            "  " + f"{label:<{width}}" + "".join(f"{c:>{width},}" for c in counts)
            for label, counts in zip(report.labels, report.confusion)
        ]
    else:
        lines.append(row("Fleiss' kappa (rows all coded)", report.fleiss_kappa))
        lines += [row(name, e) for name, e in pairs.items()]
    return "\n".join(lines + _agree_notes(report))


def _agree_notes(report) -> list[str]:
    """Why a value is undefined or an interval says little (the Validate view's notes)."""
    from ..core.validation_report import build_report

    names = report.columns + report.columns[:1] * (len(report.columns) < 2)
    rep = build_report(report, "", repr(names[0]), repr(names[1]))
    notes = [f"  {s.name}: {s.note}" for s in rep.stats if s.note]
    notes += [
        f"  {label} {x.name}: {x.note}"
        for label, *values, _ in rep.per_code
        for x in values
        if x.note
    ]
    if rep.precision:
        notes.append(f"  {rep.precision}")
    return ["", "notes:", *notes] if notes else []


def cmd_agree(args: argparse.Namespace) -> int:
    from ..core.stats import agreement

    if args.run:
        return _agree_runs(args)
    if not args.columns:
        raise UsageError(
            "give --columns A B (coders or model columns), or --run N --run M "
            "(two runs of a project)"
        )
    if len(args.columns) < 2:
        raise UsageError("--columns needs at least two columns (coders or models)")
    if len(set(args.columns)) < len(args.columns):
        raise UsageError(f"a column is named twice in --columns {args.columns}")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    frame = load_with_codes(args.file, _options(args))
    if missing := [c for c in args.columns if c not in frame.columns]:
        raise LlmstudioError(
            f"{args.file}: no column {', '.join(map(repr, missing))}; "
            f"the columns are {', '.join(map(repr, frame.columns))}"
        )
    report = agreement(
        [frame[c].tolist() for c in args.columns],
        args.columns,
        n_resamples=args.bootstrap,
        seed=args.seed,
    )
    counts, warning = _agree_blind(args.file, frame, args.columns)
    for note in _run_notes(args.file, args.columns):
        print(f"llmstudio: note: {note}", file=sys.stderr)
    if args.json:
        out = report.to_dict()
        if counts is not None:
            out["human_codes"] = {"blind": [c.to_dict() for c in counts], "warning": warning}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(_agree_text(args.file, report))
        if counts:
            print("\nhuman codes compared (blind / not blind / mode not recorded):")
            for c in counts:
                print(f"  {c.describe()}")
    if warning:  # with the report; beside the JSON, where scripts do not parse it
        print(f"\n{warning}", file=sys.stderr if args.json else sys.stdout)
    return DONE


# -- replicate runs and their stability (issue 13, item 5) ----------------------------------


def _stability_text(project: Project, a: int, b: int, found) -> str:
    from ..core.replicate import stored_changes
    from ..core.results import describe_run
    from ..core.runs import run_info

    def est(e) -> str:
        return "-" if e is None else e.text()

    of = run_info(project, b).replicate_of
    lines = [
        f"project:   {project.path}",
        f"run {a}:    {describe_run(project, a)}",
        f"run {b}:    {describe_run(project, b)}",
    ]
    if of == a:
        lines.append(f"run {b} replicates run {a}; changed: {stored_changes(project, a, b)}")
    lines += [
        "intervals: kappa and alpha 95% percentile bootstrap; share changed Wilson 95%",
        "",
        f"  {'compared':<28} {'n':>6}  {'share changed [95% CI]':<24} "
        f"{'Cohen kappa [95% CI]':<26} {'Krippendorff alpha [95% CI]':<26}",
    ]
    for r in found:
        share = r.share_text()
        lines.append(
            f"  {r.what[:28]:<28} {r.n:>6,}  {share:<24} {est(r.kappa):<26} {est(r.alpha)}"
        )
        if r.full_note():
            lines.append(f"  {'':<28} {r.full_note()}")
    return "\n".join(lines)


def _agree_runs(args: argparse.Namespace) -> int:
    """``agree PROJECT --run N --run M``: two runs compared like two coders."""
    from ..core.stability import compare_runs

    if len(args.run) != 2:
        raise UsageError(f"--run compares two runs: give it twice (got {len(args.run)})")
    if args.columns:
        raise UsageError("give --columns or --run, not both")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    a, b = args.run
    if a == b:  # as --columns naming a column twice: the command line's error
        raise UsageError(f"--run {a} given twice: give two different runs")
    with open_project_file(args.file) as project:
        found = compare_runs(project, a, b, n_resamples=args.bootstrap, seed=args.seed)
        if args.json:
            print(json.dumps([r.to_dict() for r in found], ensure_ascii=False, indent=2))
        else:
            print(_stability_text(project, a, b, found))
    return DONE


def _known_base_urls(args: argparse.Namespace) -> list[str]:
    """The servers a replicate may have asked: --base-url, then Model settings' list."""
    from ..core.model_config import load_config

    urls = [args.base_url] if args.base_url else []
    return urls + [e.base_url for e in load_config().endpoints if e.base_url]


def cmd_replicate(args: argparse.Namespace) -> int:
    import signal
    import threading

    from ..core.replicate import Changes, plan_replicate, run_replicate
    from ..core.runner import check_can_run
    from ..core.stability import compare_runs

    _check_counts(args)
    _timeout(args, "openai:" if args.model is None else args.model)  # the run's model: below
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
        backend = plan.backend(args.concurrency, **_timeout(args, plan.model))
        try:
            check_can_run(task, backend)
            if backend.remote:
                # What is announced (and consented to) is the plan's: its server and rows.
                args.text_column, args.limit, args.base_url = (
                    plan.text_column,
                    None,
                    plan.base_url,
                )
                _announce_api_run(project, task, backend, args, [plan.text_column], list(plan.rows))
            stop = threading.Event()
            signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C cancels cleanly
            line = StatusLine()
            result = run_replicate(
                project, plan, backend, monitor=Monitor(_progress_printer(line), stop.is_set)
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
        print(_stability_text(project, plan.of, result.run_id, found))
    finally:
        project.close()
    return DONE


def _run_notes(file: str, columns: list[str]) -> list[str]:
    """For a project: which run each named model column is, said when that run is not
    complete ("interrupted, 69 of 300 rows"), so that a partial run is never taken for
    the whole one."""
    from ..core.results import run_columns
    from ..core.runs import COMPLETE

    if not is_project(file):  # a renamed project is one too
        return []
    with Project.open(file) as project:
        made = run_columns(project, project.columns)
    return [
        f"{c!r} is {made[c].describe()}" for c in columns if c in made and made[c].state != COMPLETE
    ]


def _agree_blind(file: str, frame, columns: list[str]):
    """For a project: the blind counts of its coder columns among ``columns`` and the
    warning for a model compared with codes made in sight of its answers; (None, None)
    for a data file (it does not say how its codes were made)."""
    from ..core.blind import blind_of_columns

    if not is_project(file):  # a renamed project is one too
        return None, None
    corpus, project = load_any(file)
    try:
        return blind_of_columns(project, frame, columns, corpus.frame.columns)
    finally:
        project.close()


def cmd_bias(args: argparse.Namespace) -> int:
    import signal
    import threading

    from ..core.backends import make_backend
    from ..core.bias.counterfactual import (
        counterfactual_project,
        rows_with_swaps,
        run_counterfactual,
        swapped_column,
        write_report,
    )
    from ..core.bias.swaps import load_swaps, swap_all
    from ..core.cells import cell_text
    from ..core.tasks.build import TaskOptions, make_task, parse_labels

    # Everything the user can get wrong is checked before a model is loaded.
    _check_counts(args)
    _check_model(args)
    timeout = _timeout(args)
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    if not args.out and not args.show_swaps:
        raise UsageError(
            "--out DIR is needed (the folder for report.json, rows.csv, "
            "report.md), or --show-swaps to only see the swaps"
        )
    swaps = load_swaps(args.swap)
    task = make_task(
        TaskOptions(
            task=args.task,
            labels=parse_labels(args.labels),
            scale=args.scale,
            codebook=args.codebook,
        )
    )
    corpus = load(args.file, _options(args))
    _check_has_rows(corpus, args.file)
    column = args.text_column or corpus.text_column
    if column not in corpus.frame.columns:
        raise LlmstudioError(
            f"{args.file}: no column {column!r}; the columns are "
            f"{', '.join(map(repr, corpus.columns))}"
        )
    if args.show_swaps:
        rows = range(min(len(corpus.frame), args.limit or len(corpus.frame)))
        texts = [cell_text(corpus.frame[column], i) for i in rows]
        shown = 0
        for row_id, (text, s) in enumerate(zip(texts, swap_all(texts, swaps))):
            if s.n:
                shown += 1
                print(f"row {row_id + 1} ({s.describe()}):\n  - {text}\n  + {s.text}")
        print(
            f"{shown:,} of {len(texts):,} rows of column {column!r} have a swap "
            f"(swap list {swaps.name!r}, {len(swaps.pairs)} pairs); nothing was run"
        )
        return DONE
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # The runs live in the output folder: the same command again resumes or reuses them.
    project, swapped = counterfactual_project(out / f"bias{SUFFIX}", corpus, column, swaps)
    line = StatusLine()
    try:
        options = {}
        if _sends_requests(args.model):
            options = {"requests_per_minute": args.rpm, "tokens_per_minute": args.tpm, **timeout}
        backend = make_backend(
            args.model, base_url=args.base_url, concurrency=args.concurrency, **options
        )
        rows = rows_with_swaps(swapped, args.limit)
        if backend.remote and rows:
            _announce_api_run(
                project, task, backend, args, [column, swapped_column(column, swaps)], rows
            )
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl+C cancels cleanly
        result = run_counterfactual(
            project,
            task,
            backend,
            swaps,
            swapped,
            text_column=column,
            limit=args.limit,
            score=args.score,
            n_resamples=args.bootstrap,
            seed=args.seed,
            monitor=Monitor(_progress_printer(line), stop.is_set),
        )
        backend.close()
    finally:
        project.close()
    line.end()
    if not rows:
        print(
            f"llmstudio: no row of column {column!r} has a word of the swap list "
            f"{swaps.name!r}: nothing to compare",
            file=sys.stderr,
        )
    paths = write_report(result, out)
    d = result.to_dict()
    print(_bias_text(d))
    for path in paths + [project.path]:
        print(f"wrote {path}", file=sys.stderr)
    if result.status != "done":
        print(
            f"llmstudio: the runs were {result.status}; the report covers the rows finished "
            "so far (run the same command again to resume)",
            file=sys.stderr,
        )
        return USAGE_OR_CANCELLED
    return DONE


def cmd_export(args: argparse.Namespace) -> int:
    from ..core.annotated import annotated_format, export_annotated
    from ..core.methods import write_methods

    if not args.out and not args.methods and not args.coding_log:
        raise UsageError(
            "give --out FILE (.csv .xlsx .parquet .dta), --methods OUT.md "
            "(or .html) and/or --coding-log FILE (.csv .xlsx .parquet)"
        )
    if (args.bias_report or args.chart) and not args.methods:
        raise UsageError("--bias-report and --chart go into the methods record: give --methods")
    if args.coding_log:
        try:
            export_format(args.coding_log)  # a wrong suffix fails before any work
        except LlmstudioError as exc:
            raise UsageError(str(exc)) from None
    if args.out:
        try:
            annotated_format(args.out)  # a wrong suffix fails before any work
        except LlmstudioError as exc:
            raise UsageError(str(exc)) from None
    if args.methods and Path(args.methods).suffix.lower() not in (
        ".md",
        ".markdown",
        ".html",
        ".htm",
    ):
        raise UsageError(f"{args.methods}: a methods record is .md or .html")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap is a number of resamples, 0 or more")
    from ..core.methods import check_charts, read_bias_report

    for report in args.bias_report or ():
        read_bias_report(report)  # unreadable: said before any work
    check_charts(args.chart or ())
    project = open_project_file(
        args.project,
        "export reads a project's runs and codes (llmstudio convert exports a data file)",
    )
    try:
        if args.out:
            out = export_annotated(project, args.out, bom=args.bom, guard=not args.no_formula_guard)
            print(f"wrote {out}", file=sys.stderr)
        if args.coding_log:
            from ..core.human_codes import export_coding_log

            out = export_coding_log(
                project, args.coding_log, bom=args.bom, guard=not args.no_formula_guard
            )
            print(f"wrote {out}", file=sys.stderr)
        if args.methods:
            out = write_methods(
                project,
                args.methods,
                bias_reports=args.bias_report or (),
                charts=args.chart or (),
                n_resamples=args.bootstrap,
                seed=args.seed,
            )
            print(f"wrote {out}", file=sys.stderr)
    finally:
        project.close()
    return DONE


def _bias_text(d: dict) -> str:
    def num(value, digits=3):
        return "undefined" if value is None else f"{value:.{digits}f}"

    lines = [
        f"swap list:  {d['swap_list']['name']} ({d['swap_list']['pairs']} pairs)",
        f"rows:       {d['rows_total']:,}: {d['rows_with_swaps']:,} with a swap, "
        f"{d['rows_without_swaps']:,} without (not compared), {d['rows_failed']:,} failed",
        f"n:          {d['n']:,} rows compared",
        f"changed:    {d['changed']:,} labels, share {num(d['changed_share'])} "
        f"[{num(d['changed_share_ci_low'])}, {num(d['changed_share_ci_high'])}]",
    ]
    if d["mean_difference"] is not None:
        lines += [
            f"difference: mean {num(d['mean_difference'])} "
            f"[{num(d['ci_low'])}, {num(d['ci_high'])}] (swapped - original, "
            f"{d['score']} score)",
            f"test:       {d['test']}, p = {num(d['p_value'], 4)}",
        ]
    return "\n".join(lines)


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        default="builtin",
        help="builtin (default, offline), lexicon (VADER), hf:PATH_OR_HUB_ID, openai:MODEL_NAME",
    )
    p.add_argument(
        "--base-url", help="an OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama)"
    )


def _label_args(p: argparse.ArgumentParser) -> None:
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


def _bootstrap_args(p: argparse.ArgumentParser, default: int) -> None:
    p.add_argument(
        "--bootstrap",
        type=int,
        default=default,
        metavar="N",
        help=f"resamples for the 95%% intervals (default {default}; 0: none)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the resamples")


def _command_parser(**kwargs) -> argparse.ArgumentParser:
    """A parser whose help ends with the exit-status table (the same for every command)."""
    return argparse.ArgumentParser(epilog=TABLE, formatter_class=_HelpFormatter, **kwargs)


def _replicate_parser() -> argparse.ArgumentParser:
    p = _command_parser(
        prog="llmstudio replicate",
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
    p.add_argument("--concurrency", type=int, default=8, help="parallel API requests")
    p.add_argument("--rpm", type=float, help="API requests per minute at most")
    p.add_argument("--tpm", type=float, help="API tokens per minute at most")
    _timeout_arg(p)
    p.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="resamples for the 95%% intervals of the comparison (default 1000)",
    )
    p.set_defaults(func=cmd_replicate)
    return p


def _parser(command: str) -> argparse.ArgumentParser:
    if command == "replicate":
        return _replicate_parser()
    if command == "probe":
        from . import probe as probe_cli

        p = _command_parser(
            prog="llmstudio probe",
            description="Bias probes of a model: EEC template sentences (sentiment by gender "
            "and race) or occupation completions (He vs She).",
        )
        probe_cli.add_arguments(p)
        p.set_defaults(func=probe_cli.run)
    elif command == "runs":
        from . import runs as runs_cli

        p = runs_cli.Parser(
            prog="llmstudio runs",
            epilog=TABLE,
            formatter_class=_HelpFormatter,
            usage="llmstudio runs [resume|discard|rename|delete] PROJECT [--run N] [NAME] [--yes]",
            description="A project's model runs: list them (id, name, task, model, state, "
            "rows answered, created, finished); resume an interrupted run with "
            "its own settings; discard an interrupted run; rename a run (NAME; "
            "none: back to 'run N'); delete a run (its answers; the response "
            "cache and human codes stay). The latest complete run of each task "
            "has the plain column names; the others carry _run<N>.",
        )
        runs_cli.add_arguments(p)
        p.set_defaults(func=runs_cli.run)
    elif command == "agree":
        p = _command_parser(
            prog="llmstudio agree",
            description="Agreement between coders or models: columns of nominal codes in one "
            "table, one row per text. Empty cells are missing codes; rows with "
            "codes from fewer than two columns are skipped. With two columns the "
            "first is the reference for accuracy, F1 and the confusion matrix.",
        )
        p.add_argument("file", help="a data file, or a project")
        p.add_argument(
            "--columns",
            nargs="+",
            metavar="COL",
            help="two or more columns holding codes (coders or model runs)",
        )
        p.add_argument(
            "--run",
            type=int,
            action="append",
            metavar="N",
            help="a project's run, given twice: the two runs compared like two "
            "coders (run-to-run stability of a replicate)",
        )
        p.add_argument("--json", action="store_true", help="print JSON")
        _bootstrap_args(p, 1000)
        _import_args(p)
        p.set_defaults(func=cmd_agree)
    elif command == "export":
        p = _command_parser(
            prog="llmstudio export",
            description="Export a project: the annotated table (the corpus's columns, then "
            "every run's output columns, then the human codes and memos; XLSX "
            "gets a sheet 'columns' describing each; Stata gets value labels), "
            "the coding log (--coding-log) and/or a methods "
            "record (models, prompts, parameters, coders, agreement with 95% "
            "CIs, bias reports, a suggested methods paragraph).",
        )
        p.add_argument("project", help=f"a project ({SUFFIX})")
        p.add_argument("--out", help="the annotated table: .csv .xlsx .parquet or .dta (Stata)")
        p.add_argument("--methods", metavar="OUT.md", help="the methods record: .md or .html")
        p.add_argument(
            "--coding-log",
            metavar="FILE",
            help="every click of the coding by hand, oldest first (time, codebook, "
            "coder, row, codes, memo, blind): .csv .xlsx or .parquet",
        )
        p.add_argument(
            "--bias-report",
            action="append",
            metavar="DIR/report.json",
            help="a report.json of llmstudio bias/probe to include (repeatable)",
        )
        p.add_argument(
            "--chart",
            action="append",
            metavar="FILE.png",
            help="a chart image (.png .svg) to show in the methods record "
            "(repeatable; embedded in HTML, linked from Markdown)",
        )
        _bootstrap_args(p, 1000)
        p.add_argument("--bom", action="store_true", help="CSV: write a UTF-8 BOM (for Excel)")
        p.add_argument(
            "--no-formula-guard",
            action="store_true",
            help="do not prefix cells starting with = + - @ with an apostrophe",
        )
        p.set_defaults(func=cmd_export)
    elif command == "annotate":
        p = _command_parser(
            prog="llmstudio annotate",
            description="Run a task over every text with a model. With --project, the same "
            "command again resumes its run (killed or cancelled) and asks nothing "
            "twice. llmstudio runs PROJECT lists the runs and resumes, discards, "
            "renames or deletes one; the latest complete run of a task has the "
            "plain column names, the others carry _run<N>.",
        )
        p.add_argument("file", help="a data file, or a project")
        p.add_argument(
            "--task",
            choices=["sentiment", "code", "prompt"],
            default="sentiment",
            help="sentiment (default); code: against --codebook or --labels; "
            "prompt: a free --prompt template",
        )
        _model_args(p)
        _label_args(p)
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
        p.add_argument("--concurrency", type=int, default=8, help="parallel API requests")
        p.add_argument("--rpm", type=float, help="API requests per minute at most")
        p.add_argument("--tpm", type=float, help="API tokens per minute at most")
        _timeout_arg(p)
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
        _import_args(p)
        p.set_defaults(func=cmd_annotate)
    elif command == "bias":
        p = _command_parser(
            prog="llmstudio bias",
            description="Counterfactual swaps: run a task on each text and on the same text "
            "with gendered words or names swapped (he<->she, John<->Mary, ...), "
            "and report how often the label changes, the mean score difference "
            "with a paired bootstrap 95% CI and a paired test. Writes "
            "report.json, rows.csv and report.md to --out, and keeps the runs "
            f"in --out's bias{SUFFIX} (run again: resumed, served from the cache).",
        )
        p.add_argument("file", help="a data file, or a project")
        p.add_argument(
            "--swap",
            required=True,
            metavar="LIST",
            help="gender, names, names-race, or a CSV/TXT file of word pairs "
            "(one pair a line: he,she)",
        )
        p.add_argument(
            "--task",
            choices=["sentiment", "code"],
            default="sentiment",
            help="sentiment (default; scored on a signed axis) or code "
            "(single-label: the share of changed codes only)",
        )
        _model_args(p)
        _label_args(p)
        p.add_argument("--out", help="folder for report.json, rows.csv and report.md")
        p.add_argument(
            "--show-swaps",
            action="store_true",
            help="print each swapped text and exit without running a model",
        )
        p.add_argument(
            "--score",
            choices=["signed", "label"],
            default="signed",
            help="signed (default): P(positive) - P(negative) where the model "
            "gives probabilities (VADER: its compound score); label: the "
            "label's direction only (-1/0/+1)",
        )
        _bootstrap_args(p, 2000)
        p.add_argument("--concurrency", type=int, default=8, help="parallel API requests")
        p.add_argument("--rpm", type=float, help="API requests per minute at most")
        p.add_argument("--tpm", type=float, help="API tokens per minute at most")
        _timeout_arg(p)
        p.add_argument("--limit", type=int, help="only the first N rows")
        _import_args(p)
        p.set_defaults(func=cmd_bias)
    elif command == "inspect":
        p = _command_parser(
            prog="llmstudio inspect", description="Show how llmstudio reads a data or project file."
        )
        p.add_argument("file")
        p.add_argument("--json", action="store_true", help="print JSON")
        _import_args(p)
        p.set_defaults(func=cmd_inspect)
    elif command == "convert":
        p = _command_parser(
            prog="llmstudio convert",
            description="Import a file, then export it as CSV, XLSX or Parquet.",
        )
        p.add_argument("file")
        p.add_argument("--out", required=True, help="output file: .csv, .xlsx or .parquet")
        p.add_argument("--bom", action="store_true", help="CSV: write a UTF-8 BOM (for Excel)")
        p.add_argument(
            "--no-formula-guard",
            action="store_true",
            help="do not prefix cells starting with = + - @ with an apostrophe",
        )
        _import_args(p)
        p.set_defaults(func=cmd_convert)
    else:
        p = _command_parser(
            prog="llmstudio demo", description="Run the headless demo on the bundled sample corpus."
        )
        p.add_argument("--out", default="demo-output", help="folder for the output files")
        p.set_defaults(func=cmd_demo)
    return p


def _gui_parser() -> argparse.ArgumentParser:
    p = _command_parser(
        prog="llmstudio",
        description="Analyse text corpora with language models. Without a command: open "
        "the window. Commands: inspect, convert, demo, annotate, replicate, agree, "
        "bias, probe, export, runs (see llmstudio COMMAND -h).",
    )
    p.add_argument(
        "file",
        nargs="?",
        help=f"a data file (.csv .tsv .txt .xlsx .parquet .jsonl) or a project ({SUFFIX})",
    )
    p.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="render the window offscreen with FILE loaded, save it, and exit",
    )
    p.add_argument("--version", action="version", version=f"llmstudio {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    log_path = setup_logging()
    try:
        if argv and argv[0] in COMMANDS:
            args = _parser(argv[0]).parse_args(argv[1:])
            if getattr(args, "base_url", None):
                from ..core.secrets import accept_url, clean_url, url_problem

                problem = url_problem(args.base_url)
                if problem:
                    raise UsageError(f"--base-url {clean_url(args.base_url)}: {problem}")
                # A password or token in the URL goes with the requests, nowhere else: from
                # here on the command holds the URL without it.
                args.base_url = accept_url(args.base_url)
            return args.func(args)
        args = _gui_parser().parse_args(argv)
        from ..gui.app import run, screenshot

        if args.screenshot:
            if not args.file:
                raise LlmstudioError("--screenshot needs a FILE to show")
            if not Path(args.file).exists():
                raise LlmstudioError(f"{args.file}: no such file")
            screenshot(args.file, args.screenshot)
            print(f"wrote {args.screenshot}", file=sys.stderr)
            return DONE
        return run(args.file)
    except UsageError as exc:
        log.info("usage error", exc_info=exc)
        # redacted: an error may quote the base URL typed, password and all
        print(redact(f"llmstudio: error: {exc}"), file=sys.stderr)
        return USAGE_OR_CANCELLED
    except LlmstudioError as exc:
        log.warning("error", exc_info=exc)
        print(redact(f"llmstudio: error: {exc}"), file=sys.stderr)
        return ERROR
    except KeyboardInterrupt as exc:  # before a command's own Ctrl+C handling is in place
        log.info("cancelled", exc_info=exc)
        print("llmstudio: cancelled", file=sys.stderr)
        return USAGE_OR_CANCELLED
    except BrokenPipeError:
        # The reader went away (`llmstudio agree ... | head`): not an error. Python would
        # complain again when it flushes stdout at exit, so point stdout at nowhere first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return DONE
    except Exception as exc:  # the user gets one line; the details go to a log file
        log.error("internal error", exc_info=exc)
        where = f"; details in {log_path}" if log_path.exists() else ""
        print(
            redact(f"llmstudio: internal error: {type(exc).__name__}: {exc}{where}"),
            file=sys.stderr,
        )
        return ERROR


if __name__ == "__main__":
    sys.exit(main())
