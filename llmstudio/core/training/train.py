"""Train a classifier on hand codes: the held-out evaluation, the final model on every
code, the model folder with its card; and where a project keeps the models trained from it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import TrainingError
from ..progress import Monitor
from .card import read_record, write_card
from .data import TrainingData, check_enough
from .folds import HeldOut, cross_validate
from .loop import fine_tune, quiet_transformers, targets_matrix
from .metrics import score
from .settings import BaseModel, TrainSettings, base_model

__all__ = [
    "TrainResult",
    "check_out",
    "models_folder",
    "project_models",
    "train_classifier",
]

FINAL_SHARE = 0.2  # progress: the last training on every code, after the folds


@dataclass(frozen=True)
class TrainResult:
    """The model folder written and its training record (``llmstudio_training.json``)."""

    folder: Path
    record: dict


def models_folder(project_path: str | Path) -> Path:
    """Where the models trained from a project live: ``NAME models/`` beside ``NAME.llmstudio``."""
    path = Path(project_path)
    return path.with_name(f"{path.stem} models")


def project_models(project_path: str | Path) -> list[Path]:
    """The model folders trained from the project (newest first)."""
    folder = models_folder(project_path)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and read_record(p) is not None]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def check_out(out: str | Path) -> Path:
    """``out`` as a folder to write the model to: new, empty, or a model llmstudio trained
    before (replaced once the new one is complete). Raises :class:`TrainingError` for a
    file or a folder holding anything else (nothing in it is touched)."""
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise TrainingError(f"--out {out} is a file; give a folder for the model")
    if out.is_dir() and any(out.iterdir()) and read_record(out) is None:
        shown = ", ".join(sorted(p.name for p in out.iterdir())[:3])
        raise TrainingError(
            f"--out {out} exists and is not a model folder llmstudio trained (it holds "
            f"{shown}{', ...' if len(list(out.iterdir())) > 3 else ''}); give a new folder"
        )
    return out


def _eta(monitor: Monitor) -> Monitor:
    """A monitor that adds ``eta_s`` (seconds left, from the pace so far) to each report."""
    started = time.monotonic()

    def forward(done, total, **detail) -> None:
        share = done / total if total else 0.0
        if share > 0.02:
            detail["eta_s"] = (time.monotonic() - started) * (1 - share) / share
        monitor.report(done, total, **detail)

    return Monitor(forward, monitor.cancelled)  # cancelled when the whole is


def train_classifier(
    data: TrainingData,
    out: str | Path,
    settings: TrainSettings | None = None,
    monitor: Monitor | None = None,
) -> TrainResult:
    """Test the classifier by cross-validation (or a held-out split), train it on every
    code, and write the model folder ``out`` (loadable with
    ``AutoModelForSequenceClassification.from_pretrained``) with its card and metrics.

    Checks first (too few codes, the settings, ``out``, the base model), so a refusal
    costs nothing. ``monitor``: share done of 1.0 with ``message`` and ``eta_s``; Cancel
    raises :class:`~llmstudio.core.errors.Cancelled` and leaves ``out`` as it was."""
    settings = settings or TrainSettings()
    if problem := settings.problem():
        raise TrainingError(problem)
    check_enough(data, settings.folds)
    out = check_out(out)
    base = base_model(settings.base)
    monitor = _eta(Monitor.of(monitor))
    monitor.report(0.0, 1.0, message="loading the base model")
    held = cross_validate(data, base, settings, monitor.part(0.0, 1.0 - FINAL_SHARE, 1.0))
    evaluation = _evaluation(data, held, settings)
    monitor.report(1.0 - FINAL_SHARE, 1.0, message="training on every code")
    final = fine_tune(
        base,
        list(data.texts),
        targets_matrix(data.targets, data.labels),
        data.labels,
        data.multi_label,
        settings,
        monitor.part(1.0 - FINAL_SHARE, 1.0, 1.0),
    )
    record = _record(data, base, settings, evaluation, final.device, held)
    folder = _save(final, record, out)
    monitor.report(1.0, 1.0, message="done")
    return TrainResult(folder, record)


def _evaluation(data: TrainingData, held: HeldOut, settings: TrainSettings) -> dict:
    tested = [i for i, p in enumerate(held.model) if p is not None]
    truth = [data.targets[i] for i in tested]
    model = score(truth, [held.model[i] for i in tested], data.labels, data.multi_label)
    out = {
        "scheme": held.scheme,
        "folds": held.folds,
        "model": model.to_dict(),
        "few_shot": None,
        "curve": [
            {"n": p.n, "accuracy": p.accuracy, "ci_low": p.ci_low, "ci_high": p.ci_high}
            for p in held.curve
        ],
    }
    out["warnings"] = warnings(truth, [held.model[i] for i in tested], model.accuracy.value)
    if held.few_shot is not None:
        few = score(truth, [held.few_shot[i] for i in tested], data.labels, data.multi_label)
        out["few_shot"] = few.to_dict()
    return out


def warnings(truth, predicted, accuracy: float) -> list[str]:
    """Why held-out scores cannot mean the model learnt the codes: one code for every
    text, or no better than always giving the most common code."""
    out = []
    given = {codes for codes in predicted}
    if len(given) == 1 and len(set(truth)) > 1:
        code = "; ".join(next(iter(given))) or "no code"
        out.append(
            f"The model gave every held-out text the same answer ({code}): it has not "
            "learnt to tell the codes apart (more epochs, more codes or another learning "
            "rate may help). Do not use it."
        )
    most = max(truth.count(t) for t in set(truth)) / len(truth)
    if accuracy <= most and not out:
        out.append(
            f"Held-out accuracy ({accuracy:.3f}) is no better than always giving the most "
            f"common answer ({most:.3f}): the model has learnt little from these codes."
        )
    return out


def _record(data, base: BaseModel, settings, evaluation, device, held: HeldOut) -> dict:
    from ... import __version__

    seconds = held.epoch_seconds
    return {
        "llmstudio_version": __version__,
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "codebook": data.codebook,
        "coder": data.coder,
        "source": data.source,
        "multi_label": data.multi_label,
        "labels": list(data.labels),
        "counts": data.counts(),
        "left_out": list(data.left_out),
        "texts": len(data),
        "base_model": base.name,
        "base_model_path": base.path if base.name.startswith("hf:") else "all-MiniLM-L6-v2",
        "settings": settings.to_dict(),
        "device": device,
        "epoch_seconds": sum(seconds) / len(seconds) if seconds else 0.0,
        "evaluation": evaluation,
    }


def _save(trained, record: dict, out: Path) -> Path:
    """Write into a new folder beside ``out``, then put it in place: an interrupted save
    leaves ``out`` as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        with quiet_transformers():
            trained.model.save_pretrained(partial)
        trained.tokenizer.save_pretrained(partial)
        write_card(partial, record)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{int(time.time())}")
            out.rename(old)
            partial.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return out
