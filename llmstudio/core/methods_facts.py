"""What the methods record says about a project's runs and agreement, read from the
project: one :class:`RunRecord` per run, one :class:`AgreementRow` per comparison, and the
words that describe them. Qt-free."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations

from .backends.onnx_runtime.choice import runtime_words
from .backends.spec import run_writes_text
from .chunking import long_text_counts
from .embedding.stored import run_embedding_words
from .empty_texts import EMPTY_TEXT
from .errors import LlmstudioError
from .project import Project
from .run_concurrency import settled_of
from .runs import run_name
from .store import annotations as stored_annotations
from .store import human_codes as stored_codes
from .store import runs as stored_runs


def scores_directly(run) -> bool:
    """True for a model that never reads the prompt: the builtin and lexicon models, and a
    Hugging Face classifier, NLI or embedding model (only its generative models read it)."""
    return not run_writes_text({**run.fingerprint, "kind": run.backend})


# What stands for a secret in the record (a key pasted into a prompt, a password in a
# URL): the record is meant to be published, and what a secret looks like is known in one


def estimate_text(e) -> str:
    return "-" if e is None else e.text()


@dataclass(frozen=True)
class RunRecord:
    run_id: int
    task: str
    backend: str
    model: str
    revision: str
    endpoint: str
    params: dict
    prompt: list
    text_column: str
    status: str
    created: str
    finished: str
    software: str
    rows_total: int
    rows_done: int
    rows_failed: int
    fingerprint: dict
    name: str = ""
    state: str = ""  # runs.STATES: complete, interrupted, running, failed, trial
    state_text: str = ""  # "interrupted, 69 of 300 rows"
    plain: bool = False  # its columns have the plain names (the latest complete run)
    replicate_of: int | None = None
    chunked: int = 0  # rows whose text was split into chunks
    truncated: int = 0  # rows whose text the model read only the start of
    empty: int = 0  # rows with no text: no label, never sent (core/empty_texts.py)
    concurrency: str = ""  # what an auto concurrency settled on ("" for a fixed one)
    embeddings: str = ""  # how its corpus embeddings were come by (core/embedding/stored.py)

    @property
    def title(self) -> str:
        """ "Run 3 'pilot'": :func:`runs.run_name`, as a heading."""
        name = run_name(self.run_id, self.name)
        return name[:1].upper() + name[1:]


def run_records(project: Project) -> list[RunRecord]:
    """Every run of the project, oldest first, with its state (core.runs)."""
    from .runs import plain_runs, run_infos, run_params, stored_json

    infos = {i.run_id: i for i in run_infos(project)}
    plain = plain_runs(list(infos.values()))
    out = []
    for (
        run_id,
        task,
        params,
        backend,
        fp,
        column,
        status,
        total,
        created,
        finished,
        software,
        prompt,
    ) in stored_runs.all_fields(
        project.db,
        *"id task params backend fingerprint text_column status rows_total created finished "
        "software prompt".split(),
    ):
        fp = stored_json(project, run_id, "model details", fp)
        done, failed, empty = stored_annotations.tallies(project.db, run_id, EMPTY_TEXT)
        revision = next(
            (
                str(fp[k])
                for k in ("revision", "hash", "sha256", "file_hash", "commit")
                if fp.get(k)
            ),
            "",
        )
        try:
            messages = json.loads(prompt or "[]")
        except ValueError:
            messages = [{"role": "user", "content": prompt}]
        chunked, truncated = long_text_counts(project.db, run_id)
        settled = settled_of(project.db, run_id)
        out.append(
            RunRecord(
                run_id,
                task,
                backend,
                str(fp.get("model") or backend),
                revision,
                str(fp.get("endpoint") or ""),
                run_params(project, run_id, params),
                messages if isinstance(messages, list) else [],
                column or "",
                status,
                created or "",
                finished or "",
                software or "",
                int(total or 0),
                int(done),
                int(failed),
                fp,
                infos[run_id].name,
                infos[run_id].state,
                infos[run_id].state_text(),
                run_id in plain,
                infos[run_id].replicate_of,
                chunked=chunked,
                truncated=truncated,
                empty=int(empty),
                concurrency=settled.describe() if settled else "",
                embeddings=run_embedding_words(project.db, run_id),
            )
        )
    return out


def long_texts_words(r: RunRecord) -> str:
    """What the run did with texts longer than its model reads at once, with the count."""
    mode = r.params.get("long_texts")
    if mode is None:
        return (
            "not recorded: this run was made before long texts were marked, and its "
            "model may have read only the start of long texts"
        )
    if mode == "truncate":
        return (
            f"{r.truncated:,} text{'' if r.truncated == 1 else 's'} longer than the model "
            "reads at once truncated (the model read their start only; column "
            f"{r.task}_truncated)"
        )
    return (
        f"{r.chunked:,} text{'' if r.chunked == 1 else 's'} longer than the model reads "
        "at once split into chunks and the chunks' answers combined (column "
        f"{r.task}_chunks)"
    )


def _model_words(r: RunRecord) -> str:
    rev = f", revision {r.revision}" if r.revision else ""
    where = f" at {r.endpoint}" if r.endpoint else ""
    runtime = runtime_words(r.fingerprint)
    runtime = f", run with {runtime}" if runtime else ""
    return f"{r.model} ({r.backend} backend{rev}{runtime}{where})"


def codebook_text(params: dict) -> str:
    book = params.get("codebook")
    if not book:
        return ""
    lines = [
        f"codebook {book.get('name', '')!r}: "
        f"{'multi-label' if book.get('multi_label') else 'single-label'}"
        f"{', with a none option' if book.get('none_option') else ''}"
    ]

    def add(codes, indent: str) -> None:
        # a tree codebook's children (``to_dict``'s ``children``) are codes too
        for code in codes:
            lines.append(
                f"{indent}- {code.get('name')}"
                + (f": {code['description']}" if code.get("description") else "")
            )
            for key in ("include", "exclude"):
                if code.get(key):
                    lines.append(f"{indent}  {key}: {code[key]}")
            for ex in code.get("examples", []) or []:
                lines.append(f"{indent}  example: {ex}")
            add(code.get("children", []) or [], indent + "  ")

    add(book.get("codes", []), "")
    return "\n".join(lines)


@dataclass
class AgreementRow:
    codebook: str
    reference: str
    comparison: str
    kind: str  # "coders" or "model"
    result: object | None  # stats.Agreement
    problem: str = ""
    code: str = ""  # multi-label codebooks: one code, "applies" or not
    blind: list = field(default_factory=list)  # blind.BlindCounts of the human codes compared
    warning: str = ""  # a model compared with codes made while its answers could be seen
    precision: str = ""  # n too small for a useful interval: how wide, what n would do

    def blind_text(self) -> str:
        """ "ana 80 / 20 / 0" per coder: blind / not blind / not recorded ("-": none)."""
        return (
            "; ".join(
                f"{c.coder} {c.blind:,} / {c.not_blind:,} / {c.not_recorded:,}" for c in self.blind
            )
            or "-"
        )

    @property
    def what(self) -> str:
        return f"{self.codebook}: {self.code}" if self.code else self.codebook


def agreement_rows(project: Project, n_resamples: int = 1000, seed: int = 0) -> list[AgreementRow]:
    """Coder vs coder and coder vs each comparable run, per codebook with human codes;
    for a multi-label codebook, per code (applies or not), as the validation view does."""
    from .errors import StatsError
    from .validation import report, sources

    out = []
    books = stored_codes.codebooks(project.db)
    for name in books:
        try:
            book = project.codebook(name)
        except LlmstudioError:
            continue  # codes of a deleted codebook: nothing to compare them by
        found = sources(project, book)
        coders = [s for s in found if s.kind == "coder"]
        runs = [s for s in found if s.kind == "run"]
        pairs = [(a, b, "coders") for a, b in combinations(coders, 2)]
        pairs += [(c, r, "model") for c in coders for r in runs]
        for code in book.names if book.multi_label else (None,):
            for ref, comp, kind in pairs:
                try:
                    rep, result, _ = report(
                        project, book, ref, comp, code=code, n_resamples=n_resamples, seed=seed
                    )
                    out.append(
                        AgreementRow(
                            name,
                            ref.title,
                            comp.title,
                            kind,
                            result,
                            code=code or "",
                            blind=rep.blind,
                            warning=rep.warning,
                            precision=rep.precision,
                        )
                    )
                except StatsError as exc:
                    out.append(
                        AgreementRow(
                            name, ref.title, comp.title, kind, None, str(exc), code=code or ""
                        )
                    )
    return out
