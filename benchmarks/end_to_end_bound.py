#!/usr/bin/env python3
"""Whole ``annotate`` processes with a local ``hf:`` classifier against the machine's
float32 bound, and where the rest of the time goes (issue 23, item 1).

The bound of a run is the matmul work of its forward passes at this machine's float32
matmul rate: 2 x (parameters outside the embedding tables) x (real, non-padding tokens)
over the best FLOP/s of a 2048 x 2048 ``torch.matmul`` (measured before and after).
The share is bound / wall time of the whole process, as a researcher meets it
(``python -m llmstudio annotate texts.csv --model hf:DIR --out out.csv``).

Each process is timed from the outside (start to exit) and from the inside: a small
wrapper (this file, ``--child``) records when llmstudio's CLI starts, when the model's
``from_pretrained`` starts and ends, and, with hooks around the model's forward call, the
first forward's start, the last forward's end and the time at least one forward runs.
The phases:

* start-up: interpreter and llmstudio's imports, to the CLI's ``main``;
* to the first forward: reading the table, making the project, importing torch and
  transformers, loading the model and the tokenizer, planning and tokenising the first
  batch (the model load is shown on its own);
* forwards: first forward's start to last forward's end; *busy* is the part of it in
  which a forward runs (the rest is tokenising and writing between batches that the
  forwards did not hide);
* after: writing the last answers, ``--out`` and closing; then the interpreter's exit
  (freeing torch and the modules) on its own.

The model: MiniLM's encoder (the builtin model's weights) with a classification head of
three labels (random: the cost of a forward pass does not depend on the weights), saved
once in ``benchmarks/data/e2e_minilm``; or ``--model distilbert`` (local_throughput.py's).
Texts: AG News test (title and description), the first N.

    .venv/bin/python benchmarks/end_to_end_bound.py                 # 1,500 and 7,600 texts
    .venv/bin/python benchmarks/end_to_end_bound.py --sizes 1500 --write
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AG_NEWS = ROOT.parent / "shared" / "data" / "ag_news_test" / "test.csv"
LABELS = ["negative", "neutral", "positive"]
GOAL = 0.80
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def build_minilm() -> Path:
    """MiniLM's encoder with a new three-label head, saved once (benchmarks/data)."""
    folder = HERE / "data" / "e2e_minilm"
    if (folder / "model.safetensors").exists():
        return folder
    import torch
    from transformers import AutoModelForSequenceClassification

    from llmstudio.core.backends.builtin import model_dir

    torch.manual_seed(0)
    source = model_dir()
    model = AutoModelForSequenceClassification.from_pretrained(
        source,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)},
    )
    from local_throughput import save_with_tokenizer

    return save_with_tokenizer(model, source, folder)


def texts(n: int) -> list[str]:
    with AG_NEWS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if n > len(rows):
        raise SystemExit(f"AG News test has {len(rows):,} texts; ask for fewer")
    return [f"{t}. {d}".replace("\\", " ") for _, t, d in rows[:n]]


def child(argv: list[str]) -> int:
    """Run llmstudio's CLI with ``argv``, recording the phases (JSON on fd 3's file)."""
    out_path = os.environ["E2E_TIMES"]
    marks: dict = {"cli": time.time()}
    import threading

    from transformers import AutoModelForSequenceClassification

    lock = threading.Lock()
    state = {"running": 0, "since": 0.0, "busy": 0.0, "first": None, "last": None}
    real_tokens = [0]
    original = AutoModelForSequenceClassification.from_pretrained.__func__

    def loading(cls, *args, **kwargs):
        marks["load_start"] = time.time()
        loaded = original(cls, *args, **kwargs)
        model = loaded[0] if isinstance(loaded, tuple) else loaded
        marks["load_end"] = time.time()

        def pre(module, args, kwargs):
            mask = kwargs.get("attention_mask")
            with lock:
                now = time.time()
                if state["first"] is None:
                    state["first"] = now
                if state["running"] == 0:
                    state["since"] = now
                state["running"] += 1
                if mask is not None:
                    real_tokens[0] += int(mask.sum())

        def post(module, args, kwargs, output):
            with lock:
                now = time.time()
                state["running"] -= 1
                if state["running"] == 0:
                    state["busy"] += now - state["since"]
                state["last"] = now

        model.register_forward_pre_hook(pre, with_kwargs=True)
        model.register_forward_hook(post, with_kwargs=True)
        marks["params"] = sum(p.numel() for p in model.parameters()) - sum(
            p.numel() for p in model.base_model.embeddings.parameters()
        )
        return loaded

    AutoModelForSequenceClassification.from_pretrained = classmethod(loading)
    marks["hooked"] = time.time()
    from llmstudio.cli import main, process_main

    # E2E_PLAIN_MAIN: the CLI's main without the entry point's gc.freeze (the baseline)
    entry = main if os.environ.get("E2E_PLAIN_MAIN") else process_main
    try:
        code = entry(argv)
    finally:
        marks.update(
            first_forward=state["first"],
            last_forward=state["last"],
            busy=state["busy"],
            real_tokens=real_tokens[0],
            end=time.time(),
        )
        Path(out_path).write_text(json.dumps(marks))
    return code


def one_process(
    csv_path: Path, model: Path, out: Path, times: Path, plain: bool = False
) -> tuple[float, dict]:
    """Wall seconds of one whole ``annotate`` process and its recorded phases (``plain``:
    without the entry point's ``gc.freeze``, as before it had one)."""
    env = dict(os.environ, E2E_TIMES=str(times), HF_HUB_OFFLINE="1")
    if plain:
        env["E2E_PLAIN_MAIN"] = "1"
    # As on a researcher's machine: compiled modules are cached (a shell that says not to
    # makes every process compile dozens of transformers' modules again, ~1 s).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    argv = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "annotate",
        str(csv_path),
        "--task",
        "sentiment",
        "--model",
        f"hf:{model}",
        "--out",
        str(out),
    ]
    started = time.time()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=csv_path.parent)
    wall = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"annotate failed ({done.returncode}):\n{done.stderr[-2000:]}")
    marks = json.loads(times.read_text())
    marks["start"] = started
    return wall, marks


def matmul_rate() -> float:
    from local_throughput import matmul_flops

    return matmul_flops()


def phases(wall: float, m: dict) -> dict:
    start = m["start"]
    return {
        "start-up (to the CLI)": m["cli"] - start,
        "to the first forward": m["first_forward"] - m["cli"],
        "  of which model load": m["load_end"] - m["load_start"],
        "forwards (first to last)": m["last_forward"] - m["first_forward"],
        "  of which busy": m["busy"],
        "after the last forward": start + wall - m["last_forward"],
        "  of which interpreter exit": start + wall - m["end"],
    }


def main(argv=None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1500,7600", help="texts per process (1500,7600)")
    ap.add_argument("--model", choices=["minilm", "distilbert"], default="minilm")
    ap.add_argument("--repeat", type=int, default=2, help="processes per size (the best kept)")
    ap.add_argument(
        "--baseline",
        action="store_true",
        help="also each size without the entry point's gc.freeze (the exit before it)",
    )
    ap.add_argument("--write", action="store_true", help="record in RESULTS.md")
    args = ap.parse_args(argv)
    if args.model == "minilm":
        model = build_minilm()
    else:
        from local_throughput import build_model

        model = build_model("distilbert")
    rate = matmul_rate()
    load_start = os.getloadavg()[0]
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="llmstudio-e2e-"))
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            source = tmp / f"texts_{n}.csv"
            with source.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["id", "text"])
                writer.writerows(enumerate(texts(n)))
            for plain in (False, True) if args.baseline else (False,):
                best = None
                for r in range(args.repeat):
                    out = tmp / f"out_{n}_{r}.csv"
                    wall, marks = one_process(source, model, out, tmp / "t.json", plain)
                    print(f"{n:,} texts, process {r + 1}: {wall:.1f} s", flush=True)
                    if best is None or wall < best[0]:
                        best = (wall, marks)
                rows.append((f"{n:,}" + (" (no gc.freeze)" if plain else ""), *best))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rate = max(rate, matmul_rate())
    table = [
        "| texts | whole process (s) | bound (s) | **share of bound** | forward busy share | "
        + " | ".join(phases(1, rows[0][2]).keys())
        + " |",
        "|---:|---:|---:|---:|---:|" + "---:|" * len(phases(1, rows[0][2])),
    ]
    for n, wall, marks in rows:
        bound = 2 * marks["params"] * marks["real_tokens"] / rate
        cells = " | ".join(f"{v:.2f}" for v in phases(wall, marks).values())
        table.append(
            f"| {n} | {wall:.1f} | {bound:.1f} | **{bound / wall:.0%}** | "
            f"{bound / marks['busy']:.0%} | {cells} |"
        )
    notes = (
        f"Model: {args.model} ({rows[0][2]['params'] / 1e6:.1f}M parameters outside the "
        f"embeddings), CPU, float32 torch; matmul rate {rate / 1e9:.0f} GFLOP/s (2048 x 2048, "
        f"best before and after); best of {args.repeat} processes per size; load average "
        f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end. Share of bound "
        f"= bound / whole process (goal >= {GOAL:.0%}); forward busy share = bound / the time "
        "a forward runs (the most any overlap of the other phases could reach)."
    )
    text = "\n".join(table) + "\n\n" + notes
    print(text)
    if args.write:
        from import_speed import record

        record(
            f"Whole annotate processes against the float32 bound ({args.model})",
            "end_to_end_bound.py --write",
            text,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
