"""The model card of a trained classifier (``README.md``, as the Hugging Face hub shows
one), its metrics as JSON (``metrics.json``) and llmstudio's record of the training
(``llmstudio_training.json``: what the methods record and the model picker read)."""

from __future__ import annotations

import json
import math
from pathlib import Path

__all__ = ["RECORD", "methods_sentence", "read_record", "write_card"]

RECORD = "llmstudio_training.json"
METRICS = "metrics.json"


def read_record(folder: str | Path) -> dict | None:
    """The training record of a model folder llmstudio trained, or None (not one, or its
    record cannot be read)."""
    path = Path(folder) / RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write_card(folder: Path, record: dict) -> None:
    """Write ``README.md``, ``metrics.json`` and the record into ``folder``."""
    folder = Path(folder)
    (folder / RECORD).write_text(json.dumps(record, indent=2, ensure_ascii=False), "utf-8")
    (folder / METRICS).write_text(
        json.dumps(record["evaluation"], indent=2, ensure_ascii=False), "utf-8"
    )
    (folder / "README.md").write_text(card_text(record), "utf-8")


def _value(estimate: dict | None) -> str:
    """0.812 [0.760, 0.858] from an Estimate's dict; "undefined" for no value."""
    if not estimate or estimate.get("value") is None:
        return "undefined"
    value = estimate["value"]
    if estimate.get("ci_low") is None or math.isnan(value):
        return f"{value:.3f}"
    return f"{value:.3f} [{estimate['ci_low']:.3f}, {estimate['ci_high']:.3f}]"


def card_text(record: dict) -> str:
    """The model card in Markdown (YAML front matter as the hub reads it)."""
    ev = record["evaluation"]
    model, few = ev["model"], ev.get("few_shot")
    settings = record["settings"]
    lines = [
        "---",
        "library_name: transformers",
        "pipeline_tag: text-classification",
        f"base_model: {json.dumps(record['base_model_path'])}",
        "tags: [llmstudio, text-classification]",
        "---",
        "",
        f"# Classifier for codebook “{record['codebook']}”",
        "",
        f"Fine-tuned with llmstudio {record['llmstudio_version']} on {record['trained_at']} "
        f"from **{record['base_model']}** as a "
        f"{'multi-label' if record['multi_label'] else 'single-label'} sequence classifier, "
        f"on {record['texts']} hand-coded texts ({record['source']}).",
        "",
        "Load it with plain transformers: "
        "`AutoModelForSequenceClassification.from_pretrained(FOLDER)`, or in llmstudio as "
        "`hf:FOLDER` (`llmstudio annotate FILE --model hf:FOLDER --codebook CODEBOOK`).",
        "",
        "## Codes per label",
        "",
        "| label | texts |",
        "|---|---:|",
        *[f"| {label} | {n} |" for label, n in record["counts"].items()],
    ]
    if record.get("left_out"):
        lines += ["", f"Not learnt (no text has them): {', '.join(record['left_out'])}."]
    lines += [
        "",
        f"## Held-out evaluation ({ev['scheme']})",
        "",
        "Each text predicted once by a model trained without it; 95% bootstrap intervals "
        f"over texts ({ev['model']['n']} texts). The final model is trained on all texts.",
        "",
        *[f"**Warning:** {w}\n" for w in ev.get("warnings", [])],
        "| method | accuracy | macro-F1 |",
        "|---|---|---|",
        f"| this model | {_value(model['accuracy'])} | {_value(model['macro_f1'])} |",
    ]
    if few:
        lines.append(
            f"| builtin few-shot method, same folds | {_value(few['accuracy'])} "
            f"| {_value(few['macro_f1'])} |"
        )
    lines += ["", "| code | precision | recall | F1 | texts |", "|---|---|---|---|---:|"]
    for code, stats in model["per_code"].items():
        lines.append(
            f"| {code} | {_value(stats['precision'])} | {_value(stats['recall'])} "
            f"| {_value(stats['f1'])} | {stats['support']} |"
        )
    if ev.get("curve"):
        lines += [
            "",
            "### Learning curve",
            "",
            "| texts trained on | held-out accuracy | 95% interval |",
            "|---:|---|---|",
        ]
        lines += [
            f"| {p['n']} | {p['accuracy']:.3f} | [{p['ci_low']:.3f}, {p['ci_high']:.3f}] |"
            for p in ev["curve"]
        ]
    lines += [
        "",
        "## Training parameters",
        "",
        *[
            f"- {name}: {value}"
            for name, value in settings.items()
            if name not in ("base", "device")
        ],
        f"- device: {record['device']}",
        f"- seconds per epoch (mean over the held-out trainings): {record['epoch_seconds']:.1f}",
        "",
    ]
    return "\n".join(lines)


def methods_sentence(model: str) -> str:
    """The methods record's sentence on a model llmstudio trained (``model``: the folder a
    run names), or "" for any other model."""
    record = read_record(model) if model and Path(model).is_dir() else None
    if record is None:
        return ""
    ev = record.get("evaluation") or {}
    coder = f", coder {record['coder']}" if record.get("coder") else ""
    accuracy = _value((ev.get("model") or {}).get("accuracy"))
    macro = _value((ev.get("model") or {}).get("macro_f1"))
    return (
        f"That model is a classifier fine-tuned in llmstudio {record.get('llmstudio_version')} "
        f"from {record.get('base_model')} on {record.get('texts')} hand-coded texts "
        f"(codebook {record.get('codebook')!r}{coder}; {record.get('trained_at')}); "
        f"held-out accuracy {accuracy}, macro-F1 {macro} ({ev.get('scheme')}, 95% bootstrap "
        f"intervals; model card {Path(model) / 'README.md'})."
    )
