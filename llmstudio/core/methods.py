"""The methods record of a project: what a paper's methods section and its reviewers need
to reproduce the results, as Markdown and as HTML made from the same content.

Per model run: the model (name, revision or file hash, backend, endpoint host — never a
key), the task, the full prompt and codebook, the parameters, the dates, the software
versions, and the rows done and failed. Then the human coding (coders, codes per coder,
the stored sample), the agreement between coders and between each coder and each
comparable run (with bootstrap 95% CIs), the bias reports given as ``report.json`` files
(the project does not store them: ``llmstudio bias`` writes them to a folder), and a
suggested methods paragraph. Qt-free.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from .backends.onnx_runtime.choice import runtime_words
from .errors import ExportError, LlmstudioError
from .methods_corrected import corrected_section
from .methods_document import Document
from .methods_facts import (
    AgreementRow,
    RunRecord,
    agreement_rows,
    codebook_text,
    estimate_text,
    long_texts_words,
    run_records,
    scores_directly,
)
from .methods_passages import coded_text, passage_books, passage_counts, passage_section
from .project import Project
from .rollup_export import methods_section as rollup_section
from .runs import run_name
from .store import human_codes as stored_codes
from .training.card import methods_sentence
from .unit_corpus import units_sentence


def check_charts(charts: Sequence[str | Path]) -> list[Path]:
    """The chart files as paths; ExportError for one that is missing or no image."""
    out = []
    for chart in charts:
        path = Path(chart)
        if path.suffix.lower() not in (".png", ".svg", ".jpg", ".jpeg"):
            raise ExportError(f"{path}: a chart is a .png, .svg or .jpg image")
        if not path.is_file():
            raise ExportError(f"{path}: no such chart file")
        out.append(path)
    return out


def read_bias_report(path: str | Path) -> dict:
    """A ``report.json`` of ``llmstudio bias`` or ``probe`` as a dict; ExportError if not."""
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the bias report ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ExportError(f"{path}: not a JSON bias report ({exc})") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path}: not a bias report (expected a JSON object)")
    return data


def build_record(
    project: Project,
    *,
    bias_reports: Sequence[str | Path] = (),
    charts: Sequence[str | Path] = (),
    n_resamples: int = 1000,
    seed: int = 0,
) -> Document:
    """The methods record of ``project`` as a :class:`Document`. ``charts``: image files
    (PNG/SVG, e.g. exported charts) shown in a section "Charts": linked from the Markdown,
    embedded in the HTML."""
    from . import human_codes
    from .blind import blind_counts
    from .sampling import load_sample

    bias = [(Path(p), read_bias_report(p)) for p in bias_reports]  # bad paths fail first
    charts = check_charts(charts)
    doc = Document()
    rows = int(project.meta("rows", "0") or 0)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    doc.h(1, f"Methods record: {Path(project.path).name}")
    units = units_sentence(project)
    doc.items(
        [
            ("project", Path(project.path).name),
            ("corpus rows", f"{rows:,}"),
            *([("units", units)] if units else []),
            ("text column", project.meta("text_column") or ""),
            ("record made", now),
            (
                "software",
                f"llmstudio {__version__}, Python {platform.python_version()}, {_versions()}",
            ),
        ]
    )

    runs = run_records(project)
    doc.h(2, "Model runs")
    if not runs:
        doc.p("No model runs are stored in this project.")
    for r in runs:
        doc.h(
            3,
            f"{r.title}: {r.task} with {r.model}"
            + ("" if r.state == "complete" else f" ({r.state})"),
        )
        doc.items(
            [
                ("model", r.model),
                ("revision or file hash", r.revision or "not recorded"),
                ("backend", r.backend),
                *(
                    [("runtime", runtime_words(r.fingerprint))]
                    if runtime_words(r.fingerprint)
                    else []
                ),
                ("endpoint host", r.endpoint or "none (local)"),
                ("task", r.task),
                ("text column", r.text_column),
                ("state", r.state_text),
                (
                    "columns",
                    "the plain names (the latest complete run of its task)"
                    if r.plain
                    else f"suffixed _run{r.run_id}",
                ),
                ("started", r.created),
                ("finished", r.finished or "-"),
                ("software", r.software),
                (
                    "rows",
                    f"{r.rows_done:,} done, {r.rows_failed:,} failed, "
                    + (f"{r.empty:,} empty (no text: no label, not sent), " if r.empty else "")
                    + f"of {r.rows_total:,} asked ({rows:,} in the corpus)",
                ),
                ("long texts", long_texts_words(r)),
                *([("corpus embeddings", r.embeddings)] if r.embeddings else []),
            ]
            + ([("requests at once", r.concurrency)] if r.concurrency else [])
        )
        settings = {k: v for k, v in r.fingerprint.items() if k not in ("model", "endpoint")}
        params = {k: v for k, v in r.params.items() if k != "codebook"}
        doc.p("Parameters:")
        doc.pre(json.dumps({"task": params, "model": settings}, ensure_ascii=False, indent=2))
        if scores_directly(r):
            # The run stores the prompt a generative model would get; these never read it.
            doc.p(
                f"Prompt: not sent. The {r.backend} model scores each text directly; a "
                "generative model given this task would get these messages ({text} "
                "stands for the text):"
            )
        else:
            doc.p("Prompt (the messages sent for each text; {text} stands for the text):")
        doc.pre(
            "\n\n".join(
                f"[{m.get('role', '?')}]\n{m.get('content', '')}"
                for m in r.prompt
                if isinstance(m, dict)
            )
            or "(none stored)"
        )
        book = codebook_text(r.params)
        if book:
            doc.p("Codebook:")
            doc.pre(book)

    doc.h(2, "Human coding")
    books = sorted(set(stored_codes.codebooks(project.db)) | set(passage_books(project)))
    if not books:
        doc.p("No human codes are stored in this project.")
    coder_counts: dict[str, dict[str, int]] = {}
    marked: dict[str, dict[str, int]] = {}  # passages per coder, per codebook
    for name in books:
        doc.h(3, f"Codebook {name}")
        try:
            book = project.codebook(name)
            doc.pre(codebook_text({"codebook": book.to_dict()}))
        except LlmstudioError:
            doc.p("(the codebook is no longer in the project)")
        counts, coded_rows = {}, {}
        for c in human_codes.current(project, name):
            if c.coded:
                counts[c.coder] = counts.get(c.coder, 0) + 1
                coded_rows.setdefault(c.coder, []).append(c.row_id)
        coder_counts[name] = counts
        marked[name] = passage_counts(project, name)
        modes = {
            coder: blind_counts(project, name, coder, coded_rows.get(coder, ()))
            for coder in sorted(set(human_codes.coders(project, name)) | set(marked[name]))
        }
        memos = human_codes.memo_counts(project, name)
        doc.table(
            [
                "coder",
                "rows coded",
                "coded blind",
                "not blind",
                "mode not recorded",
                "rows with a memo",
                "passages",
            ],
            [
                (
                    coder,
                    f"{counts.get(coder, 0):,}",
                    f"{m.blind:,}",
                    f"{m.not_blind:,}",
                    f"{m.not_recorded:,}",
                    f"{memos.get(coder, 0):,}",
                    f"{marked[name].get(coder, 0):,}",
                )
                for coder, m in modes.items()
            ],
        )
        doc.p(
            "Coded blind: the coder saw no model answer, no other coder's codes and no "
            "result column while coding the row (every click on it). Not blind: at least "
            "one click was made with those in view. Not recorded: coded with a version "
            "of llmstudio that did not record it."
        )
        sample = load_sample(project, name)
        doc.p(
            f"Sample: {sample.kind} {sample.describe()}, rows to code stored in the project"
            if sample
            else "Sample: none stored (coders coded any rows)."
        )

    _memo_counts(doc, project)
    rollup_section(doc, project)

    agree = agreement_rows(project, n_resamples, seed) if books else []
    doc.h(2, "Agreement")
    if not agree:
        doc.p(
            "No agreement could be computed (it needs two coders, or a coder and a "
            "comparable model run, of one codebook)."
        )
    else:
        doc.p(
            f"95% percentile bootstrap intervals, {n_resamples:,} resamples of rows, "
            f"seed {seed}; rows coded by both sides only. Multi-label codebooks: each "
            "code on its own (applies or not)."
        )
        doc.table(
            [
                "codebook",
                "reference",
                "compared",
                "n",
                "percent agreement",
                "Cohen's kappa",
                "Krippendorff's alpha",
                "macro-F1",
                "human codes blind / not blind / not recorded",
            ],
            [
                (
                    a.what,
                    a.reference,
                    a.comparison,
                    a.result.n if a.result else "-",
                    estimate_text(a.result.percent_agreement) if a.result else a.problem,
                    estimate_text(a.result.cohen_kappa) if a.result else "-",
                    estimate_text(a.result.krippendorff_alpha) if a.result else "-",
                    estimate_text(a.result.macro_f1) if a.result else "-",
                    a.blind_text() if a.result else "-",
                )
                for a in agree
            ],
        )
        for a in agree:
            for note in (a.precision, a.warning):
                if a.result is not None and note:
                    doc.p(f"{a.what}, {a.reference} vs {a.comparison}: {note}")

    passage_sentences = passage_section(doc, project, n_resamples, seed)
    _stability_section(doc, project, n_resamples, seed)
    corrected_section(doc, project)

    doc.h(2, "Bias checks")
    if not bias:
        doc.p(
            "No bias report was given. Bias checks (llmstudio bias, llmstudio probe) write "
            "report.json to a folder; the project does not store them. Pass them with "
            "--bias-report to include them here."
        )
    for path, data in bias:
        doc.h(3, f"Bias report {path}")
        doc.items(_bias_items(data))

    if charts:
        doc.h(2, "Charts")
        for chart in charts:
            doc.image(chart, chart.stem.replace("_", " "))

    doc.h(2, "Suggested methods paragraph")
    doc.p(suggested_paragraph(project, runs, coder_counts, agree, bias, passage_sentences, marked))
    return doc


def _stability_section(doc: Document, project: Project, n_resamples: int, seed: int) -> None:
    """Each replicate against the run it repeats (``core/stability.py``); nothing when the
    project has no replicate."""
    from .stability import replicate_stability

    found = replicate_stability(project, n_resamples=n_resamples, seed=seed)
    if not found:
        return
    doc.h(2, "Run stability (replicates)")
    doc.p(
        "Each replicate run asked the model again (its answers were not read from the "
        "cache), with the change named; the two runs are compared like two coders on the "
        f"rows both answered. Kappa and alpha: 95% percentile bootstrap, {n_resamples:,} "
        f"resamples, seed {seed}; share changed: Wilson 95% interval."
    )
    rows = []
    for of, run, changed, results, problem in found:
        if problem:
            rows.append((f"run {run} of run {of}", changed, "-", "-", "-", "-", problem))
        for r in results:
            share = r.share_text()
            rows.append(
                (
                    f"run {run} of run {of}",
                    changed,
                    r.what,
                    r.n,
                    estimate_text(r.kappa),
                    estimate_text(r.alpha),
                    f"{share}; {r.full_note()}" if r.full_note() else share,
                )
            )
    doc.table(
        [
            "replicate",
            "changed",
            "compared",
            "n",
            "Cohen's kappa",
            "Krippendorff's alpha",
            "share of rows changed",
        ],
        rows,
    )


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for package in ("pandas", "numpy", "transformers", "openai", "vaderSentiment"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)


_BIAS_KEYS = (
    "task",
    "model",
    "n",
    "rows_total",
    "rows_with_swaps",
    "rows_failed",
    "changed",
    "changed_share",
    "changed_share_ci_low",
    "changed_share_ci_high",
    "mean_difference",
    "ci_low",
    "ci_high",
    "test",
    "p_value",
    "score",
    "score_definition",
    "bootstrap_resamples",
    "seed",
)


_BIAS_SKIP = {"swap_list", "model_fingerprint", "changed_rows", "task_params"}


def _bias_items(data: dict) -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = []
    if isinstance(data.get("swap_list"), dict):
        s = data["swap_list"]
        items.append(
            ("check", f"counterfactual swaps, list {s.get('name')} ({s.get('pairs')} pairs)")
        )
    # The counterfactual report's keys in a reading order, then whatever else a report
    # (a probe's: gender_gap, summary...) holds, nested values as short JSON.
    keys = [k for k in _BIAS_KEYS if k in data]
    keys += [
        k
        for k, v in data.items()
        if k not in keys
        and k not in _BIAS_SKIP
        and (not isinstance(v, (dict, list)) or len(json.dumps(v, default=str)) <= 400)
    ]
    items += [(k, data[k]) for k in keys[:40]]
    if isinstance(data.get("model_fingerprint"), dict):
        fp = {k: v for k, v in data["model_fingerprint"].items()}
        items.append(("model fingerprint", fp))
    return items


def _blind_sentence(a: AgreementRow) -> str:
    """How the human codes of a comparison were made, for the methods paragraph."""
    total = sum(c.total for c in a.blind)
    if not total:
        return ""
    blind = sum(c.blind for c in a.blind)
    if blind == total:
        return " The human codes were made blind (no model answer or other coder's code in view)."
    return (
        f" {blind:,} of the {total:,} human codes compared were made blind; "
        f"{sum(c.not_blind for c in a.blind):,} with model answers or other codes in "
        f"view; for {sum(c.not_recorded for c in a.blind):,} it was not recorded."
    )


def suggested_paragraph(
    project: Project,
    runs: list[RunRecord],
    coder_counts: dict[str, dict[str, int]],
    agree: list[AgreementRow],
    bias: list[tuple[Path, dict]],
    passage_sentences: Sequence[str] = (),
    marked: dict[str, dict[str, int]] | None = None,
) -> str:
    """Plain prose naming the model, task, n and agreement with its CI (``passage_
    sentences``: agreement on passages, from ``methods_passages``; ``marked``: passages
    per coder, per codebook)."""
    rows = int(project.meta("rows", "0") or 0)
    parts = [units] if (units := units_sentence(project)) else []
    # The runs whose columns a reader gets under the plain names; a partial run is never
    # reported as if it had annotated the corpus.
    shown = [r for r in runs if r.plain]
    if runs and not shown:
        parts.append(
            "No model run is complete over the whole corpus (see Model runs: "
            "interrupted, trial or failed runs only)."
        )
    for r in shown:
        rev = f" (revision {r.revision})" if r.revision else ""
        where = f", served at {r.endpoint}," if r.endpoint else ""
        runtime = runtime_words(r.fingerprint)
        where += f" (run with {runtime})" if runtime else ""
        parts.append(
            f"We annotated {r.rows_done:,} of {rows:,} texts for {r.task} with "
            f"{r.model}{rev} through the {r.backend} backend{where} in {r.software} "
            f"({run_name(r.run_id, r.name)}, "
            f"{r.finished[:10] or r.created[:10]}; "
            f"{r.rows_failed:,} text{'' if r.rows_failed == 1 else 's'} failed)."
        )
        if trained := methods_sentence(r.model):  # a model trained from codes: its card
            parts.append(trained)
        if r.empty:
            parts.append(
                f"{r.empty:,} text{' was' if r.empty == 1 else 's were'} empty or "
                "only whitespace: not sent to the model and left without a label."
            )
        if r.concurrency:  # speed only: the answers do not depend on it
            found = r.concurrency.removeprefix("auto: ")
            parts.append(
                f"The number of requests sent at once was found as the run went ({found})."
            )
        if r.chunked:
            parts.append(
                f"{r.chunked:,} texts longer than the model reads at once were split "
                "into chunks whose answers were combined."
            )
        if r.truncated:
            parts.append(
                f"{r.truncated:,} texts longer than the model reads at once were "
                "truncated to their start."
            )
    marked = marked or {}
    for book in sorted(set(coder_counts) | set(marked)):
        texts, passages = coder_counts.get(book, {}), marked.get(book, {})
        who = [
            f"{c} ({coded_text(texts.get(c, 0), passages.get(c, 0))})"
            for c in sorted(set(texts) | set(passages))
        ]
        if who:
            parts.append(
                f"{len(who)} human coder{'s' if len(who) > 1 else ''} coded with the "
                f"codebook {book!r}: {', '.join(who)}."
            )
    for a in agree:
        if a.result is None or a.result.cohen_kappa is None:
            continue
        k = a.result.cohen_kappa
        if k.value != k.value:
            continue
        ci = f" (95% CI {k.ci_low:.2f} to {k.ci_high:.2f})" if k.ci_low is not None else ""
        on = f" on the code {a.code!r} (applies or not)" if a.code else ""
        parts.append(
            f"Agreement between {a.reference} and {a.comparison}{on} on "
            f"{a.result.n:,} texts: "
            f"Cohen's kappa = {k.value:.2f}{ci}, percent agreement = "
            f"{a.result.percent_agreement.value:.2f}." + _blind_sentence(a)
        )
    parts += passage_sentences
    for path, data in bias:
        if "changed_share" in data and data.get("changed_share") is not None:
            parts.append(
                f"In a counterfactual check ({path.parent.name or path.name}), the "
                f"label changed for {data['changed_share']:.1%} of "
                f"{data.get('n', 0):,} texts when only the swapped words changed."
            )
    if not parts:
        return "No model runs or human codes are stored yet."
    return " ".join(parts)


def _memo_counts(doc: Document, project: Project) -> None:
    """How many memos of each kind, never their text: memos are a researcher's working
    notes, which may be private, and this record is meant to be published."""
    from .memos import KIND_TITLES, count

    counts = count(project)
    if not any(counts.values()):
        return
    said = ", ".join(f"{n:,} {KIND_TITLES[k].lower()}" for k, n in counts.items() if n)
    doc.p(
        f"Memos: {said} memo{'s' if sum(counts.values()) > 1 else ''}. Only their number is "
        "given here: memos are the researchers' working notes and may be private (the "
        ".qdpx export and the annotated table carry their text)."
    )


def check_methods_path(path: str | Path) -> Path:
    """``path`` as a Path when it names a methods record (.md or .html); ExportError if not."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".markdown", ".html", ".htm"):
        raise ExportError(
            f"{path}: a methods record is .md (Markdown) or .html, not "
            f"{suffix or '(no extension)'!r}"
        )
    return path


def write_methods(
    project: Project,
    path: str | Path,
    *,
    bias_reports: Sequence[str | Path] = (),
    charts: Sequence[str | Path] = (),
    n_resamples: int = 1000,
    seed: int = 0,
) -> Path:
    """Write the methods record to ``path``: Markdown (.md) or HTML (.html/.htm)."""
    from .atomic import write_text

    path = check_methods_path(path)
    suffix = path.suffix.lower()
    doc = build_record(
        project, bias_reports=bias_reports, charts=charts, n_resamples=n_resamples, seed=seed
    )
    text = (
        doc.html(f"Methods record: {Path(project.path).name}")
        if suffix in (".html", ".htm")
        else doc.markdown(path.parent)
    )
    try:
        write_text(path, text)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path
