"""``llmstudio train PROJECT --codebook NAME [--coder C] --base MODEL --out DIR``: fine-tune a
transformer encoder as a classifier on a codebook's hand codes (or on ``--examples FILE``),
test it on held-out codes and write the model folder (``annotate --model hf:DIR``)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from ..core.errors import Cancelled, UsageError
from .exit_codes import DONE, USAGE_OR_CANCELLED
from .parser import Commands
from .progress_line import StatusLine

_READS = "it reads the hand codes of a project"


def _codebook(args: argparse.Namespace, project):
    """The codebook: a file (.yaml/.json) or, in a project, a codebook's name."""
    from ..core import codebook
    from ..core.errors import ProjectError

    path = Path(args.codebook)
    if path.suffix.lower() in (".yaml", ".yml", ".json") and path.is_file():
        return codebook.load(path)
    if project is None:
        raise UsageError(
            f"--codebook {args.codebook}: no such codebook file (without a project, "
            "--codebook is a .yaml or .json file)"
        )
    if args.codebook not in project.codebooks():
        raise ProjectError(
            f"{project.path}: no codebook {args.codebook!r} (its codebooks: "
            f"{', '.join(project.codebooks()) or 'none'})"
        )
    return project.codebook(args.codebook)


def _data(args: argparse.Namespace):
    from ..core import training
    from ..core.project import open_project_file

    if args.project is None:
        if not args.examples:
            raise UsageError("give a PROJECT (its hand codes) or --examples FILE")
        return training.from_examples(args.examples, _codebook(args, None))
    with open_project_file(args.project, _READS) as project:
        book = _codebook(args, project)
        if args.examples:
            return training.from_examples(args.examples, book)
        return training.from_project(project, book, args.coder)


def _settings(args: argparse.Namespace):
    from ..core.training import TrainSettings

    return TrainSettings(
        base=args.base,
        folds=args.folds,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        max_length=args.max_length,
        seed=args.seed,
        curve=() if args.no_curve else TrainSettings.curve,
        compare_few_shot=not args.no_few_shot,
        device=args.device,
    )


def _summary(result) -> str:
    """The held-out scores for people: both methods, then each code."""
    record = result.record
    ev = record["evaluation"]

    def value(e) -> str:
        if not e or e.get("value") is None:
            return "undefined"
        ci = f" [{e['ci_low']:.3f}, {e['ci_high']:.3f}]" if e.get("ci_low") is not None else ""
        return f"{e['value']:.3f}{ci}"

    counts = ", ".join(f"{k} {v}" for k, v in record["counts"].items())
    lines = [
        f"codebook:  {record['codebook']} ({record['source']}); codes per label: {counts}",
        f"base:      {record['base_model']} on {record['device']}",
        f"held out:  {ev['scheme']}, {ev['model']['n']} texts, 95% bootstrap intervals",
        "",
        f"  {'method':<34} {'accuracy':<24} macro-F1",
        f"  {'this model':<34} {value(ev['model']['accuracy']):<24} "
        f"{value(ev['model']['macro_f1'])}",
    ]
    if ev.get("few_shot"):
        few = ev["few_shot"]
        lines.append(
            f"  {'builtin few-shot, same folds':<34} {value(few['accuracy']):<24} "
            f"{value(few['macro_f1'])}"
        )
    lines += ["", f"  {'code':<20} {'precision':<24} {'recall':<24} F1"]
    for code, s in ev["model"]["per_code"].items():
        lines.append(
            f"  {code[:20]:<20} {value(s['precision']):<24} {value(s['recall']):<24} "
            f"{value(s['f1'])}"
        )
    lines += [f"warning: {w}" for w in ev.get("warnings", [])]
    if ev.get("curve"):
        points = ", ".join(f"{p['n']} texts {p['accuracy']:.3f}" for p in ev["curve"])
        lines += ["", f"learning curve (held-out accuracy): {points}"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """``train``: the model trained, tested and written; the exit status."""
    from ..core.progress import Monitor
    from ..core.training import check_enough, check_out, train_classifier

    settings = _settings(args)
    if problem := settings.problem():
        raise UsageError(problem)
    check_out(args.out)  # before the project is read: a wrong folder costs nothing
    data = _data(args)
    check_enough(data, settings.folds)
    line, stop = StatusLine(), threading.Event()

    def show(done, total, message="", eta_s=None, **_) -> None:
        left = f", about {eta_s:,.0f} s left" if eta_s is not None else ""
        line.show(f"{100 * done / total:.0f}% {message}{left}", final=done >= total)

    try:
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    except ValueError:  # not the main thread: no Ctrl+C here
        previous = None
    try:
        result = train_classifier(data, args.out, settings, Monitor(show, stop.is_set))
    except Cancelled:
        line.end()
        print("llmstudio: cancelled; nothing written", file=sys.stderr)
        return USAGE_OR_CANCELLED
    finally:
        line.end()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    print(_summary(result))
    print(f"wrote {result.folder} (model card: {result.folder / 'README.md'})", file=sys.stderr)
    return DONE


def register(commands: Commands) -> None:
    """The ``train`` command's parser."""
    p = commands.add(
        "train",
        run,
        description="Fine-tune a transformer encoder as a classifier on a codebook's hand "
        "codes (or an examples file), test it on held-out codes (k-fold cross-validation, "
        "beside the builtin few-shot method) and write a model folder with its card. Use "
        "it as --model hf:DIR in annotate.",
    )
    p.add_argument("project", nargs="?", help="a project (.llmstudio) with hand codes")
    p.add_argument(
        "--codebook", required=True, metavar="NAME", help="a codebook of the project, or a file"
    )
    p.add_argument("--coder", metavar="C", help="whose codes (needed when several coded)")
    p.add_argument(
        "--examples",
        metavar="FILE",
        help="learn from a table with 'text' and 'label' columns instead of the hand codes",
    )
    p.add_argument(
        "--base",
        default="builtin",
        metavar="MODEL",
        help="the encoder to start from: builtin (MiniLM, default) or hf:FOLDER_OR_HUB_ID",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="the model folder to write")
    p.add_argument("--folds", type=int, default=5, help="k of the cross-validation (5)")
    p.add_argument("--epochs", type=int, default=4, help="passes over the codes (4)")
    p.add_argument("--batch-size", type=int, default=16, help="texts per step (16)")
    p.add_argument("--learning-rate", type=float, default=5e-5, help="AdamW's (5e-5)")
    p.add_argument("--max-length", type=int, default=128, help="tokens per text (128)")
    p.add_argument("--seed", type=int, default=0, help="folds, head and order (0)")
    p.add_argument("--device", choices=("cpu", "cuda", "mps"), help="default: the best found")
    p.add_argument(
        "--no-curve", action="store_true", help="skip the learning curve (saves ~40%% time)"
    )
    p.add_argument(
        "--no-few-shot", action="store_true", help="skip the builtin few-shot comparison"
    )
