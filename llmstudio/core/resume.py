"""Resuming an interrupted run with the settings it stored: above both the run states
(:mod:`.runs`) and the runner, which runs imported inside functions before (a cycle)."""

from __future__ import annotations

from .backends import make_backend
from .backends.base import digest
from .errors import RunError
from .progress import Monitor
from .project import Project
from .run_keys import run_spec
from .runner import row_inputs, run_job
from .runs import ResumeSpec, base_url_for, note_resume, resume_spec, stored_json
from .send_plan import check_consent
from .store import runs as stored_runs
from .tasks.build import make_task


def check_resumes(project: Project, spec: ResumeSpec, task, backend) -> None:
    """RunError unless ``task`` and ``backend`` make the very run ``spec`` resumes (a model
    whose weights or version changed since would mix two models' answers in one run)."""
    corpus = None
    if backend.transductive(task):
        corpus = digest(row_inputs(task, project.corpus().frame, spec.text_column))
    key = digest(run_spec(task, backend, spec.text_column, corpus))
    stored, fingerprint = stored_runs.fields(project.db, spec.run_id, "spec_key", "fingerprint")
    if key != stored:
        was = stored_json(project, spec.run_id, "model details", fingerprint, "{}")
        now = backend.fingerprint()
        changed = [k for k in sorted(set(was) | set(now)) if was.get(k) != now.get(k)]
        what = (
            f"the model changed since ({', '.join(changed)}: {was.get(changed[0])!r} "
            f"then, {now.get(changed[0])!r} now)"
            if changed
            else "the corpus or its text column changed since"
        )
        raise RunError(
            f"cannot resume run {spec.run_id}: {what}; run the task again as a new run instead"
        )
    newer = stored_runs.newer_of_spec(project.db, stored, spec.run_id)
    if newer is not None:
        raise RunError(
            f"cannot resume run {spec.run_id}: run {newer} has the same "
            "settings and would be resumed instead"
        )


def resume_run(
    project: Project,
    run_id: int,
    *,
    base_url: str | None = None,
    concurrency: int = 8,
    monitor: Monitor | None = None,
    **options,
):
    """Run an interrupted run to the end with the settings it stored; the rows it has are
    kept (and any answer in the response cache is reused). ``options``: backend options
    of the moment that do not change its answers (an API model's ``timeout``). Returns the
    runner's JobResult."""
    spec = resume_spec(project, run_id)
    task = make_task(spec.options)
    url = base_url_for(spec, base_url)
    check_consent(project, spec, task)
    backend = make_backend(
        spec.model, base_url=url, concurrency=concurrency, **spec.backend_options, **options
    )
    try:
        check_resumes(project, spec, task, backend)
        note_resume(project, run_id)
        return run_job(
            project,
            task,
            backend,
            text_column=spec.text_column,
            monitor=monitor,
        )
    finally:
        backend.close()
