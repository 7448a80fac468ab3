"""PyTorch in bfloat16 against float32 (and float16) on this CPU: what the precision alone
buys, model loaded, start-up aside.

    .venv/bin/python benchmarks/torch_bfloat16.py [--repeat 3] [--write]

Two measurements, each precision in turn on the same inputs, best of ``--repeat``:

* **Encoder**: the builtin MiniLM (real weights) encoding 1,000 TweetEval tweets with
  ``SentenceTransformer.encode`` (batches of 32, every torch thread): rows/s in float32,
  bfloat16 and float16, and how near bfloat16's and float16's vectors are to float32's
  (the smallest cosine; the share of rows whose nearest sentiment label is float32's).
* **Generator**: a causal LM of SmolLM-135M's shape (576 wide, 30 layers, grouped-query
  attention; random weights, as no real one is on this machine: its speed does not depend
  on what the weights are) writing 32 new tokens for 8 prompts at once, greedy: new tokens/s
  in float32 and bfloat16. Only PyTorch runs a generator (ONNX Runtime runs encoders
  here), so this is the only faster choice a local generator has on the CPU.

bfloat16 is fast only where the CPU has bfloat16 instructions (AVX512-BF16, AMX: the
machine line says which CPU). ``annotate --runtime torch-bfloat16`` is offered only there;
the labels over whole data sets, through the CLI, are ``benchmarks/onnx_runtime.py``'s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

ENCODER_ROWS = 1000
NEW_TOKENS = 32
PROMPTS = 8
# SmolLM-135M's shape (random weights, a byte vocabulary): the speed of a small generator
SMOLLM_135M = dict(
    hidden_size=576,
    intermediate_size=1536,
    num_hidden_layers=30,
    num_attention_heads=9,
    num_key_value_heads=3,
    max_position_embeddings=2048,
    initializer_range=0.02,
)


def best(fn, repeat: int) -> float:
    """The shortest of ``repeat`` timings of ``fn()`` (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def row(what: str, dtype: str, seconds: float, rate: str, speed: float) -> dict:
    """One line of the table (no vectors to compare: a generator's)."""
    return dict(
        what=what, dtype=dtype, seconds=seconds, rate=rate, speed=speed, cosine=None, same=None
    )


def encoder(repeat: int) -> list[dict]:
    import numpy as np
    import torch
    from quality import load
    from sentence_transformers import SentenceTransformer

    from llmstudio.core.backends.builtin import model_dir

    texts, _, labels = load("tweeteval", None)
    texts = texts[:ENCODER_ROWS]
    prompts = [f"This text is {label}." for label in labels]
    out, base = [], None
    for dtype in ("float32", "bfloat16", "float16"):
        model = SentenceTransformer(str(model_dir()), device="cpu").to(getattr(torch, dtype))

        def run(model=model):
            return model.encode(texts, batch_size=32, normalize_embeddings=True)

        seconds = best(run, 1 if dtype == "float16" else repeat)  # float16: minutes
        vectors = np.asarray(run(), dtype=np.float32)
        nearest = (vectors @ np.asarray(model.encode(prompts), dtype=np.float32).T).argmax(1)
        if base is None:
            base = (vectors, nearest, seconds)
        what = f"builtin MiniLM, encode {len(texts):,} tweets"
        rate = f"{len(texts) / seconds:,.0f} rows/s"
        out.append(row(what, dtype, seconds, rate, base[2] / seconds))
        out[-1].update(
            cosine=float((vectors * base[0]).sum(1).min()),
            same=float((nearest == base[1]).mean()),
        )
    return out


def generator(repeat: int) -> list[dict]:
    import torch
    from transformers import AutoTokenizer, LlamaForCausalLM

    from models import build_causal_lm

    with tempfile.TemporaryDirectory() as tmp:
        build_causal_lm(tmp, **SMOLLM_135M)
        tokenizer = AutoTokenizer.from_pretrained(tmp)
        prompts = [f"Classify the sentiment of this text: example {i}." for i in range(PROMPTS)]
        batch = tokenizer(prompts, return_tensors="pt")  # one length: no padding
        out, base = [], None
        for dtype in ("float32", "bfloat16"):
            model = LlamaForCausalLM.from_pretrained(tmp, dtype=getattr(torch, dtype)).eval()

            def run(model=model):
                with torch.inference_mode():
                    return model.generate(
                        **batch,
                        max_new_tokens=NEW_TOKENS,
                        min_new_tokens=NEW_TOKENS,  # the same work in both precisions
                        do_sample=False,
                        pad_token_id=0,
                    )

            seconds = best(run, repeat)
            base = base or seconds
            what = f"135M-parameter causal LM, {PROMPTS} x {NEW_TOKENS} new tokens"
            rate = f"{PROMPTS * NEW_TOKENS / seconds:,.0f} tokens/s"
            out.append(row(what, dtype, seconds, rate, base / seconds))
    return out


def table(rows: list[dict]) -> str:
    lines = [
        "| what | precision | seconds (best) | rate | speed vs float32 | smallest cosine "
        "to float32's vector | nearest label as float32's |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cosine = "-" if r["cosine"] is None else f"{r['cosine']:.5f}"
        same = "-" if r["same"] is None else f"{r['same']:.1%}"
        lines.append(
            f"| {r['what']} | {r['dtype']} | {r['seconds']:.2f} | {r['rate']} "
            f"| {r['speed']:.2f}x | {cosine} | {same} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="record in RESULTS.md")
    args = parser.parse_args(argv)
    from llmstudio.core.backends.cpu_features import bfloat16_cpu

    rows = encoder(args.repeat) + generator(args.repeat)
    text = table(rows)
    has = "has" if bfloat16_cpu() else "does not have"
    note = (
        f"This CPU {has} bfloat16 instructions (AVX512-BF16 or AMX: "
        "`core/backends/cpu_features.bfloat16_cpu`). torch threads: all. float16 has no "
        "fast kernels on a CPU (timed once). The vectors' nearness is the precision's own "
        "rounding; the labels over whole data sets are in the ONNX Runtime section "
        "(`onnx_runtime.py`, runtime torch-bfloat16)."
    )
    print(text)
    print(note)
    if args.write:
        from import_speed import record

        options = f" --repeat {args.repeat}" if args.repeat != 3 else ""
        record("PyTorch in bfloat16 on the CPU", f"torch_bfloat16.py{options} --write", text, note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
