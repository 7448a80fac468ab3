"""Replicate runs: a stored run's task asked again, with one thing changed or nothing.

The task and the model are made again from what the run stored (``runs.params``, the
model's fingerprint), so the replicate asks the same question of the same model over the
same rows, except for the change asked for: the model, the prompt's wording, the
temperature or the seed. A replicate records the run it repeats (``runs.replicate_of``)
and gets an index of its own (``run_keys.Replicate``) that joins its spec and its cache
keys: it never reads the answers of the run it repeats, even at temperature 0 with
nothing changed (asking again is the point). Comparing the two runs is
``core/stability.py``.

Qt-free: ``llmstudio replicate`` and the window's "Replicate run…" call the same
functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .backends import make_backend
from .backends.base import Backend
from .backends.onnx_runtime.choice import LOCAL_KINDS, runtime_of
from .backends.spec import ModelSpec, run_writes_text
from .errors import ReplicateError
from .progress import Monitor
from .project import Project
from .run_keys import Replicate
from .run_progress import JobResult
from .runner import run_job
from .runs import no_such_run, run_info, run_params, stored_json
from .secrets import endpoint_id
from .store import annotations as stored_annotations
from .store import meta, transaction
from .store import runs as stored_runs
from .tasks.base import Task
from .tasks.build import TaskOptions, make_task, options_from_params

NOTHING_MEASURED = "a deterministic model gives the same answers; the replicate measures nothing"


@dataclass(frozen=True)
class Changes:
    """What a replicate changes; None (or "") leaves it as the run had it."""

    model: str | None = None  # a model SPEC: builtin, lexicon, hf:..., openai:...
    base_url: str | None = None  # with an openai: model, its server
    temperature: float | None = None
    seed: int | None = None
    prompt: str | None = None  # a prompt task's template; otherwise the instruction

    def describe(self) -> str:
        """ "temperature 0.7", "model openai:gpt-4o-mini, seed 3", "nothing"."""
        parts = []
        if self.model:
            parts.append(f"model {self.model}")
        if self.temperature is not None:
            parts.append(f"temperature {self.temperature:g}")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        if self.prompt:
            parts.append("prompt wording")
        return ", ".join(parts) or "nothing"


@dataclass(frozen=True)
class ReplicatePlan:
    """Everything a replicate of run ``of`` needs, checked before any model is loaded."""

    of: int
    options: TaskOptions
    model: str
    base_url: str | None
    backend_options: tuple[tuple[str, object], ...]
    text_column: str
    rows: tuple[int, ...]
    changes: Changes
    notes: tuple[str, ...] = ()  # said before running (e.g. NOTHING_MEASURED)
    resume: int | None = None  # an unfinished replicate with the same settings
    resume_index: int | None = None

    def task(self) -> Task:
        return make_task(self.options)

    def backend(self, concurrency: int = 8, **options) -> Backend:
        """The model, loaded (seconds for a local one: not in a GUI thread); ``options``
        of the moment that do not change its answers (an API model's ``timeout``)."""
        return make_backend(
            self.model,
            base_url=self.base_url,
            concurrency=concurrency,
            **dict(self.backend_options),
            **options,
        )

    def describe(self) -> str:
        """ "replicate of run 3 (sentiment, 300 rows), changed: temperature 0.7"."""
        return (
            f"replicate of run {self.of} ({self.options.task}, {len(self.rows):,} rows), "
            f"changed: {self.changes.describe()}"
        )


def _stored_run(project: Project, run_id: int) -> dict:
    keys = ("task", "params", "backend", "fingerprint", "text_column", "status", "rows_total")
    row = stored_runs.fields(project.db, run_id, *keys)
    if row is None:
        raise ReplicateError(no_such_run(project, run_id))
    out = dict(zip(keys, row))
    out["params"] = run_params(project, run_id, out["params"])
    out["fingerprint"] = stored_json(project, run_id, "model details", out["fingerprint"])
    return out


def _stored_model(run_id: int, fp: dict, base_urls: Sequence[str]) -> tuple[str, str | None]:
    """The model SPEC and base URL of a run, from its fingerprint (which keeps the
    endpoint's host only: the base URL is found among ``base_urls`` by its host)."""
    spec = ModelSpec.from_fingerprint(fp)
    if spec is None:
        raise ReplicateError(
            f"run {run_id} was made by a {fp.get('kind')!r} model that cannot be loaded "
            "again from what the run stored"
        )
    if not spec.info.network:
        return str(spec), None
    host = fp.get("endpoint") or endpoint_id(None)
    for url in base_urls:
        if url and endpoint_id(url) == host:
            return str(spec), url
    if host == endpoint_id(None):
        return str(spec), None
    raise ReplicateError(
        f"run {run_id} asked {spec.name} at the server {host}; the project keeps its host "
        f"only: give its base URL (e.g. --base-url http://{host}/v1), or add it in "
        "Model settings"
    )


def _seeded(model: str, options: TaskOptions) -> bool:
    """Whether a seed changes the answers of ``model`` for this task."""
    info = ModelSpec.parse(model).info
    if info.samples:
        return True
    if info.learns:
        from .embedding.corpus import CorpusClassifier

        return CorpusClassifier.seeded(make_task(options))
    return False


def plan_replicate(
    project: Project, run_id: int, changes: Changes = Changes(), *, base_urls: Sequence[str] = ()
) -> ReplicatePlan:
    """The replicate of run ``run_id`` with ``changes``, checked before anything is
    loaded or sent; :class:`ReplicateError` says what cannot be done. ``base_urls``: the
    OpenAI-compatible servers known (the run stored its server's host only)."""
    run = _stored_run(project, run_id)
    if run["status"] != "done":
        from .runs import INTERRUPTED

        # Said as `llmstudio runs` says it: a killed run is stored as running.
        info = run_info(project, run_id)
        how = (
            f"resume it first (llmstudio runs resume PROJECT --run {run_id}), "
            if info.state == INTERRUPTED
            else ""
        )
        raise ReplicateError(
            f"{info.describe()}: not finished; {how}a replicate asks about "
            "the same rows as a finished run"
        )
    params = dict(run["params"])
    params.pop("replicate", None)
    options = options_from_params(params)
    if make_task(options).params() != params:
        raise ReplicateError(
            f"run {run_id} was made by another version of llmstudio's {run['task']} task "
            "(its stored prompt or parameters differ from what this version would send): "
            "a replicate would not ask the same question"
        )
    fp = run["fingerprint"]
    urls = [changes.base_url] if changes.base_url else []
    try:
        stored_model, stored_url = _stored_model(run_id, fp, list(urls) + list(base_urls))
    except ReplicateError:
        if not changes.model:
            raise
        stored_model, stored_url = "", None  # another model: the run's is not needed
    if (
        changes.model
        and stored_model
        and changes.model.strip() == stored_model
        and (changes.base_url or stored_url) == stored_url
    ):
        raise ReplicateError(
            f"{stored_model} is the model of run {run_id} already: leave the "
            "model out to ask it again (with another change, or none)"
        )
    model = (changes.model or stored_model).strip()
    base_url = changes.base_url or (stored_url if not changes.model else None)
    spec = ModelSpec.parse(model)  # an unknown model is said here, before anything else
    info = spec.info
    samples = info.samples  # an API model: temperature and seed
    backend_options: dict = {}
    if samples:
        if not changes.model:  # the same model: its settings too
            backend_options = {k: fp[k] for k in ("temperature", "seed", "max_tokens") if k in fp}
        if changes.temperature is not None:
            backend_options["temperature"] = float(changes.temperature)
        if changes.seed is not None:
            backend_options["seed"] = int(changes.seed)
    else:
        if changes.temperature is not None:
            raise ReplicateError(
                f"{model} has no temperature: only openai: models sample "
                "(local models answer greedily); leave the temperature out"
            )
        learns = info.learns  # the builtin model: seeded fine-tuning
        if learns and not changes.model:
            seed = (
                fp.get("classifier", {}).get("seed", 0)
                if isinstance(fp.get("classifier"), dict)
                else 0
            )
            backend_options = {"seed": int(seed)}
        if not changes.model and spec.kind in LOCAL_KINDS:  # the runtime the run ran with
            backend_options["runtime"] = runtime_of(fp)
        if changes.seed is not None:
            if not _seeded(model, options):
                raise ReplicateError(
                    f"a seed changes nothing for {model} on this task: "
                    + (
                        "the builtin model draws random numbers only when it learns from "
                        "coded examples"
                        if learns
                        else "it has no randomness"
                    )
                )
            backend_options["seed"] = int(changes.seed)
    if changes.prompt:
        if options.task == "prompt":
            options = replace(options, prompt=changes.prompt)
        elif info.writes_text is False or (not changes.model and not run_writes_text(fp)):
            raise ReplicateError(
                f"{model} scores each text directly and never reads a "
                "prompt: a new wording changes nothing"
            )
        else:
            options = replace(options, wording=changes.prompt)
        make_task(options)  # a template that cannot be filled fails here
    if (
        info.network
        and base_url is None
        and changes.model
        and fp.get("kind") == info.name
        and fp.get("endpoint") != endpoint_id(None)
    ):
        base_url = stored_url  # another model at the same server
    notes = []
    measured = changes.model or changes.prompt or samples or (changes.seed is not None)
    if not measured:
        notes.append(NOTHING_MEASURED)
    if samples and (changes.temperature or changes.seed is not None):
        from .backends import dialect as dialects

        learned = dialects.load(endpoint_id(base_url), spec.name)
        if changes.temperature is not None and not learned.temperature:
            notes.append(
                f"{endpoint_id(base_url)} refused a temperature before: the model "
                "may answer at its own default, not at the one asked for"
            )
        if changes.seed is not None and not learned.seed:
            notes.append(f"{endpoint_id(base_url)} refused a seed before: it is not sent")
    rows = stored_annotations.row_ids(project.db, run_id)
    plan = ReplicatePlan(
        run_id,
        options,
        model,
        base_url,
        tuple(sorted(backend_options.items())),
        run["text_column"],
        rows,
        changes,
        tuple(notes),
    )
    return _with_unfinished(project, plan)


def _with_unfinished(project: Project, plan: ReplicatePlan) -> ReplicatePlan:
    """An unfinished replicate of the same run with the same settings is resumed, not
    started again: its answers were paid for."""
    params = plan.task().params()
    spec = ModelSpec.parse(plan.model)
    for run_id, stored, fingerprint in stored_runs.unfinished_replicates(project.db, plan.of):
        stored = run_params(project, run_id, stored)
        fp = stored_json(project, run_id, "model details", fingerprint)
        index = stored.pop("replicate", None)
        same_model = fp.get("kind") == spec.kind and (not spec.name or fp.get("model") == spec.name)
        same_settings = all(
            fp.get(k) == v for k, v in plan.backend_options if k in ("temperature", "seed")
        )
        if index is not None and stored == params and same_model and same_settings:
            return replace(plan, resume=run_id, resume_index=int(index))
    return plan


def next_index(project: Project) -> int:
    """A replicate index no run of this project has had (a deleted replicate's too: its
    answers may still be in the cache)."""
    with transaction(project.db):
        used = [
            run_params(project, r, p).get("replicate")
            for r, p in stored_runs.replicate_params(project.db)
        ]
        last = max(
            [int(project.meta("replicates_made", "0") or 0)]
            + [int(u) for u in used if isinstance(u, int)]
        )
        meta.put(project.db, "replicates_made", str(last + 1))
    return last + 1


def run_replicate(
    project: Project,
    plan: ReplicatePlan,
    backend: Backend | None = None,
    *,
    concurrency: int = 8,
    monitor: Monitor | None = None,
    on_rows=None,
    on_run=None,
) -> JobResult:
    """Run the replicate ``plan`` (resuming the unfinished one it found, if any) over the
    rows of the run it repeats; the backend is loaded here unless given (and then closed
    by the caller)."""
    if plan.resume is None:  # started again after a Cancel: the same run goes on
        plan = _with_unfinished(project, plan)
    index = plan.resume_index if plan.resume is not None else next_index(project)
    own = backend is None
    backend = backend or plan.backend(concurrency)
    try:
        return run_job(
            project,
            plan.task(),
            backend,
            text_column=plan.text_column,
            rows=list(plan.rows),
            monitor=monitor,
            on_rows=on_rows,
            on_run=on_run,
            replicate=Replicate(plan.of, index),
        )
    finally:
        if own:
            backend.close()


@dataclass(frozen=True)
class ReplicatePair:
    """A replicate and the run it repeats, as the methods record and Validate list them."""

    of: int
    run: int


def replicate_pairs(project: Project) -> list[ReplicatePair]:
    """Every stored (original, replicate) pair, oldest replicate first."""
    return [
        ReplicatePair(int(of), int(run_id))
        for run_id, of in stored_runs.replicate_links(project.db)
    ]


def stored_changes(project: Project, of: int, run: int) -> str:
    """What replicate ``run`` changed from run ``of``, read from what both stored:
    "temperature 0 -> 0.7", "model gpt-4o -> gpt-4o-mini", "prompt wording", "nothing"."""
    a, b = _stored_run(project, of), _stored_run(project, run)
    pa, pb = dict(a["params"]), dict(b["params"])
    pa.pop("replicate", None)
    pb.pop("replicate", None)
    fa, fb = a["fingerprint"], b["fingerprint"]
    parts = []
    if (fa.get("kind"), fa.get("model")) != (fb.get("kind"), fb.get("model")):
        parts.append(
            f"model {fa.get('model') or fa.get('kind')} → {fb.get('model') or fb.get('kind')}"
        )
    else:
        for key in ("temperature", "seed"):
            va = fa.get(key, (fa.get("classifier") or {}).get(key))
            vb = fb.get(key, (fb.get("classifier") or {}).get(key))
            if va != vb:
                parts.append(f"{key} {va} → {vb}")
        rest = {
            k
            for k in set(fa) | set(fb)
            if k not in ("temperature", "seed", "classifier") and fa.get(k) != fb.get(k)
        }
        if rest:  # e.g. the model's files changed between the runs: said, never hidden
            parts.append("model " + ", ".join(sorted(rest)))
    if pa.get("template") != pb.get("template") or pa.get("wording") != pb.get("wording"):
        parts.append("prompt wording")
    return ", ".join(parts) or "nothing"
