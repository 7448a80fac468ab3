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
once in ``benchmarks/data/e2e_minilm``; or a random-weight classifier of another size from
local_throughput.py: ``--model bert-tiny`` (2 layers, 256 wide: a quarter of MiniLM's work
per token), ``distilbert`` (4x MiniLM's) or ``bert-base`` (8x).
Texts: AG News test (title and description), the first N; or ``--texts tweets``, TweetEval
sentiment test (shorter texts: the fixed costs weigh more). Runtimes (``--runtimes``):
PyTorch, and ONNX Runtime from a cached export (the benchmark's first process exports it,
in a settings folder of its own, and is timed apart); ``auto``, the default runtime, is
ONNX float32 on this CPU (its runs should match ``onnx``'s).

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
# Ways to start a process other than the llmstudio command's, for a same-run comparison:
# the label's suffix -> the variable the child reads (child()).
VARIANTS = {"no gc.freeze": "E2E_PLAIN_MAIN", "no head start": "E2E_NO_HEAD_START"}
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


TWEETS = ROOT.parent / "shared" / "data" / "tweeteval" / "sentiment" / "test_text.txt"


def texts(n: int, source: str = "ag_news") -> list[str]:
    """The first ``n`` texts of AG News test (title and description, about 55 tokens) or
    of TweetEval sentiment test (tweets, about 30 tokens)."""
    if source == "tweets":
        rows = TWEETS.read_text(encoding="utf-8").splitlines()
    else:
        with AG_NEWS.open(encoding="utf-8", newline="") as fh:
            rows = [f"{t}. {d}".replace("\\", " ") for _, t, d in csv.reader(fh)]
    if n > len(rows):
        raise SystemExit(f"{source} has {len(rows):,} texts; ask for fewer")
    return rows[:n]


class Forwards:
    """When forwards run (from hooks around them): the first's start, the last's end, the
    time at least one runs, and the real (non-padding) tokens they read."""

    def __init__(self):
        import threading

        self.lock = threading.Lock()
        self.running, self.since, self.busy = 0, 0.0, 0.0
        self.first = self.last = None
        self.real_tokens = 0

    def enter(self, mask) -> None:
        with self.lock:
            now = time.time()
            if self.first is None:
                self.first = now
            if self.running == 0:
                self.since = now
            self.running += 1
            if mask is not None:
                self.real_tokens += int(mask.sum())

    def leave(self) -> None:
        with self.lock:
            now = time.time()
            self.running -= 1
            if self.running == 0:
                self.busy += now - self.since
            self.last = now


def hook_torch(marks: dict, forwards: Forwards) -> None:
    """Time the torch model's load and its forward calls."""
    from transformers import AutoModelForSequenceClassification

    original = AutoModelForSequenceClassification.from_pretrained.__func__

    def loading(cls, *args, **kwargs):
        marks["load_start"] = time.time()
        loaded = original(cls, *args, **kwargs)
        model = loaded[0] if isinstance(loaded, tuple) else loaded
        marks["load_end"] = time.time()
        model.register_forward_pre_hook(
            lambda module, args, kwargs: forwards.enter(kwargs.get("attention_mask")),
            with_kwargs=True,
        )
        model.register_forward_hook(
            lambda module, args, kwargs, output: forwards.leave(), with_kwargs=True
        )
        return loaded

    AutoModelForSequenceClassification.from_pretrained = classmethod(loading)


def hook_groups(marks: dict, forwards: Forwards) -> None:
    """Time the load of a model run in token groups (``TokenGroups``: an ONNX session from
    the cache, or the builtin model in torch on the CPU) and the groups' forwards. From the
    cache the run itself imports neither torch nor transformers."""
    from llmstudio.core.backends.groups import TokenGroups
    from llmstudio.core.backends.onnx_runtime import sessions

    init, run, make = TokenGroups.__init__, TokenGroups._run, sessions.session

    def session(*args, **kwargs):
        marks.setdefault("load_start", time.time())
        return make(*args, **kwargs)

    def loading(self, *args, **kwargs):
        marks.setdefault("load_start", time.time())
        init(self, *args, **kwargs)
        marks["load_end"] = time.time()

    def running(self, inputs):
        forwards.enter(inputs.get("attention_mask"))
        try:
            return run(self, inputs)
        finally:
            forwards.leave()

    sessions.session = session
    TokenGroups.__init__, TokenGroups._run = loading, running


def hook_builtin(marks: dict) -> None:
    """Time the builtin model's torch load (its SentenceTransformer); its forwards on the
    CPU are the token groups' (:func:`hook_groups`)."""
    from sentence_transformers import SentenceTransformer

    init = SentenceTransformer.__init__

    def loading(self, *args, **kwargs):
        marks.setdefault("load_start", time.time())
        init(self, *args, **kwargs)
        marks["load_end"] = time.time()

    SentenceTransformer.__init__ = loading


def child(argv: list[str]) -> int:
    """Run llmstudio's CLI with ``argv``, recording the phases (JSON in $E2E_TIMES)."""
    out_path = os.environ["E2E_TIMES"]
    marks: dict = {"cli": time.time()}
    forwards = Forwards()
    runtime = argv[argv.index("--runtime") + 1] if "--runtime" in argv else "torch"
    if runtime != "torch":  # ONNX Runtime (auto: on this CPU, an encoder, so ONNX too)
        hook_groups(marks, forwards)
    elif "builtin" in argv:
        hook_builtin(marks)
        hook_groups(marks, forwards)  # on the CPU its forwards run in token groups
    else:
        hook_torch(marks, forwards)
    marks["hooked"] = time.time()
    if os.environ.get("E2E_PLAIN_MAIN"):
        # the CLI's main without the entry point's gc.freeze and head start (the baseline)
        from llmstudio.cli import main as entry
    elif os.environ.get("E2E_NO_HEAD_START"):  # without the session begun early
        from llmstudio.cli import process_main as entry
    else:  # as the llmstudio command starts
        from llmstudio.launch import main as entry
    try:
        code = entry(argv)
    finally:
        marks.update(
            first_forward=forwards.first,
            last_forward=forwards.last,
            busy=forwards.busy,
            real_tokens=forwards.real_tokens,
            imported_torch="torch" in sys.modules,
            end=time.time(),
        )
        Path(out_path).write_text(json.dumps(marks))
    return code


def params_outside_embeddings(model: Path, encoder: bool = False) -> int:
    """The model's parameters outside its embedding tables (the bound's work per token);
    ``encoder``: a bare encoder (the builtin sentence model's), not a classifier."""
    from transformers import AutoModel, AutoModelForSequenceClassification

    loaded = (AutoModel if encoder else AutoModelForSequenceClassification).from_pretrained(model)
    unused = [loaded.base_model.embeddings]
    if encoder and getattr(loaded, "pooler", None) is not None:
        unused.append(loaded.pooler)  # sentence embeddings pool the tokens themselves
    return sum(p.numel() for p in loaded.parameters()) - sum(
        p.numel() for part in unused for p in part.parameters()
    )


def one_process(
    csv_path: Path,
    model: Path,
    out: Path,
    times: Path,
    variant: str = "",
    runtime: str = "torch",
    config: Path | None = None,
) -> tuple[float, dict]:
    """Wall seconds of one whole ``annotate`` process and its recorded phases (``variant``:
    one of :data:`VARIANTS`, "" as the ``llmstudio`` command starts; ``config``:
    llmstudio's settings and cache folder, where the ONNX exports are kept)."""
    env = dict(os.environ, E2E_TIMES=str(times), HF_HUB_OFFLINE="1")
    if config is not None:
        env["LLMSTUDIO_CONFIG_DIR"] = str(config)
    if variant:
        env[VARIANTS[variant]] = "1"
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
        "builtin" if model == "builtin" else f"hf:{model}",
        "--out",
        str(out),
    ]
    argv += ["--runtime", runtime]  # torch too: the default is automatic
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
    ap.add_argument(
        "--model",
        choices=["minilm", "distilbert", "builtin", "bert-tiny", "bert-base"],
        default="minilm",
    )
    ap.add_argument("--texts", choices=["ag_news", "tweets"], default="ag_news")
    ap.add_argument("--repeat", type=int, default=2, help="processes per size (the best kept)")
    ap.add_argument(
        "--baseline",
        action="store_true",
        help="also each size without the entry point's gc.freeze (the exit before it)",
    )
    ap.add_argument(
        "--without-head-start",
        action="store_true",
        help="also each size without the model's session begun early (llmstudio/launch.py), "
        "its processes alternating with the others",
    )
    ap.add_argument(
        "--runtimes",
        default="torch,onnx",
        help="runtimes to run, in turn (torch, auto, onnx, onnx-int8; the bound stays float32's)",
    )
    ap.add_argument("--write", action="store_true", help="record in RESULTS.md")
    args = ap.parse_args(argv)
    if args.model == "builtin":
        # The offline default: zero-shot sentiment by similarity of its embeddings.
        from llmstudio.core.backends.builtin import model_dir

        model = "builtin"
        params = params_outside_embeddings(model_dir(), encoder=True)
    elif args.model == "minilm":
        model = build_minilm()
    else:
        from local_throughput import build_model

        model = build_model(args.model)
    if model != "builtin":
        params = params_outside_embeddings(model)
    runtimes = [r.strip() for r in args.runtimes.split(",") if r.strip()]
    rate = matmul_rate()
    load_start = os.getloadavg()[0]
    rows, exports = [], {}
    tmp = Path(tempfile.mkdtemp(prefix="llmstudio-e2e-"))
    config = tmp / "config"  # a cache of its own: the export below is this run's
    try:
        for runtime in runtimes:
            if runtime != "torch":  # the first run exports the model (once per revision)
                source = tmp / "warm.csv"
                source.write_text("id,text\n0,a first text\n1,and another\n", encoding="utf-8")
                wall, _ = one_process(
                    source, model, tmp / "warm_out.csv", tmp / "t.json", "", runtime, config
                )
                exports[runtime] = wall
                print(f"{runtime}: first process (exports): {wall:.1f} s", flush=True)
        for n in [int(s) for s in args.sizes.split(",")]:
            source = tmp / f"texts_{n}.csv"
            with source.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["id", "text"])
                writer.writerows(enumerate(texts(n, args.texts)))
            variants = [""] + ["no gc.freeze"] * args.baseline
            variants += ["no head start"] * args.without_head_start
            for runtime in runtimes:
                best: dict[str, tuple] = {}
                for r in range(args.repeat):  # the variants alternate: the same spells
                    for variant in variants:
                        out = tmp / f"out_{n}_{r}.csv"
                        wall, marks = one_process(
                            source, model, out, tmp / "t.json", variant, runtime, config
                        )
                        label = f"{n:,}, {runtime}" + (f" ({variant})" if variant else "")
                        print(f"{label}, process {r + 1}: {wall:.1f} s", flush=True)
                        if label not in best or wall < best[label][0]:
                            best[label] = (wall, marks)
                rows.extend((label, *kept) for label, kept in best.items())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rate = max(rate, matmul_rate())
    table = [
        "| texts, runtime | whole process (s) | bound (s) | **share of bound** "
        "| forward busy share | " + " | ".join(phases(1, rows[0][2]).keys()) + " |",
        "|---:|---:|---:|---:|---:|" + "---:|" * len(phases(1, rows[0][2])),
    ]
    for n, wall, marks in rows:
        bound = 2 * params * marks["real_tokens"] / rate
        cells = " | ".join(f"{v:.2f}" for v in phases(wall, marks).values())
        table.append(
            f"| {n} | {wall:.1f} | {bound:.1f} | **{bound / wall:.0%}** | "
            f"{bound / marks['busy']:.0%} | {cells} |"
        )
    with_torch = [label for label, _, m in rows if ", onnx" in label and m["imported_torch"]]
    notes = (
        f"Model: {args.model} ({params / 1e6:.1f}M parameters outside the embeddings), CPU. "
        + (
            "The ONNX runtimes run from a cached export (the first process exports it: "
            + ", ".join(f"{r} {w:.1f} s" for r, w in exports.items())
            + "); torch imported by "
            + (", ".join(with_torch) if with_torch else "none of their processes")
            + ". "
            if exports
            else ""
        )
        + f"Float32 matmul rate {rate / 1e9:.0f} GFLOP/s (2048 x 2048, "
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
            "Whole annotate processes against the float32 bound"
            + (f" ({args.model})" if args.texts == "ag_news" else f" ({args.model}, {args.texts})"),
            "end_to_end_bound.py --write",
            text,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
