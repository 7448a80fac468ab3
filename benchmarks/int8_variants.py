"""Int8 quantisation variants of one exported encoder against its float32 graph, in
process: how many labels each moves (a classifier's logits graph) or how close its
embeddings stay (a sentence-embedding graph), and its time on the same batches.

    .venv/bin/python benchmarks/int8_variants.py GRAPH TOKENIZER ROWS LABELS [VARIANT,...]

GRAPH: a ``float32/model.onnx`` from the ONNX cache (``benchmarks/onnx_runtime.py --work
DIR`` keeps it under ``DIR/config/cache/onnx/<key>/``; its ``model.json`` names the model);
TOKENIZER: the model's folder (the builtin's: ``core.embedding.minilm.model_dir()``);
ROWS: a CSV with ``text`` and ``gold`` columns (``DIR/rows-SET-MODEL.csv``); LABELS: the
label names in the classifier's order, comma-separated. The standard remedies for a
dynamically quantised BERT, each beside the variant llmstudio ships
(``core.backends.onnx_runtime.export.quantise``): the classification head, the embedding
tables, the first and last layers or the feed-forward layers left in float32,
``reduce_range``, or only the feed-forward MatMuls quantised. Texts run in batches of 32
by length, as a run batches them; times are for comparing variants within one run only.
The results of 2026-12-05 are in RESULTS.md's "ONNX Runtime against PyTorch, with 95%
intervals" notes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BATCH = 32


def layer_nodes(model) -> dict[str, list[str]]:
    """Names of the weight MatMul/Gemm nodes of a post-LayerNorm BERT graph, by part:
    ``head`` (after the encoder's last LayerNorm), ``ffn`` (the two feed-forward
    MatMuls around each GELU), ``ffn_out`` (the one after GELU), ``first_last`` (the
    first and last layers' MatMuls)."""
    nodes = list(model.graph.node)
    norms = [i for i, n in enumerate(nodes) if n.op_type == "LayerNormalization"]
    weights = {w.name for w in model.graph.initializer}
    weighted = [
        (i, n)
        for i, n in enumerate(nodes)
        if n.op_type in ("MatMul", "Gemm") and len(n.input) > 1 and n.input[1] in weights
    ]

    def layer(i: int) -> int:  # LayerNorm 0 closes the embeddings; each layer has two
        return (sum(1 for j in norms if j < i) - 1) // 2

    def name(node) -> str:  # the quantiser turns a Gemm into a MatMul named so, first
        return f"{node.name}_MatMul" if node.op_type == "Gemm" else node.name

    producer = {out: n for n in nodes for out in n.output}
    gelu_out = {n.output[0] for n in nodes if n.op_type == "Gelu"}
    ffn_out = [n.name for _, n in weighted if n.input[0] in gelu_out]
    ffn_in = []
    for gelu in (n for n in nodes if n.op_type == "Gelu"):
        source = producer.get(gelu.input[0])
        while source is not None and source.op_type == "Add":  # the dense layer's bias
            source = producer.get(source.input[0]) or producer.get(source.input[1])
        if source is not None and source.op_type == "MatMul":
            ffn_in.append(source.name)
    encoder = [(i, n) for i, n in weighted if i < norms[-1]]
    last = max(layer(i) for i, _ in encoder)
    return {
        "head": [name(n) for i, n in weighted if i > norms[-1]],
        "ffn": ffn_in + ffn_out,
        "ffn_out": ffn_out,
        "first_last": [name(n) for i, n in encoder if layer(i) in (0, last)],
    }


def variants(parts: dict[str, list[str]]) -> dict[str, dict]:
    """Each variant's ``quantize_dynamic`` options beyond the shipped ones."""
    matmuls = ["MatMul", "Gemm"]  # not Gather: the embedding tables stay float32
    return {
        "as shipped": {},
        "head float32": dict(nodes_to_exclude=parts["head"]),
        "embeddings float32": dict(op_types_to_quantize=matmuls),
        "first and last layers and head float32": dict(
            nodes_to_exclude=parts["head"] + parts["first_last"]
        ),
        "reduce_range": dict(reduce_range=True),
        "only feed-forward MatMuls quantised": dict(nodes_to_quantize=parts["ffn"]),
        "feed-forward outputs float32": dict(nodes_to_exclude=parts["ffn_out"]),
        "feed-forward MatMuls float32": dict(nodes_to_exclude=parts["ffn"]),
    }


def outputs(path: Path, tokenizer, texts: list[str]):
    """The graph's output for each text (numpy, input order) and the seconds it took."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = [None] * len(texts)
    start = time.perf_counter()
    for a in range(0, len(order), BATCH):
        rows = order[a : a + BATCH]
        enc = tokenizer(
            [texts[i] for i in rows],
            padding=True,
            truncation=True,
            max_length=256,
            return_tensors="np",
        )
        got = session.run(None, {k: enc[k].astype(np.int64) for k in names})[0]
        for i, row in zip(rows, got, strict=True):
            out[i] = row
    return np.stack(out), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    import onnx
    import pandas as pd
    from transformers import AutoTokenizer

    from llmstudio.core.backends.onnx_runtime.export import quantise

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 4:
        raise SystemExit(__doc__.split("\n\n")[1])
    graph, tokenizer_dir, rows_csv, labels = Path(args[0]), args[1], args[2], args[3].split(",")
    chosen = args[4].split(",") if len(args) > 4 else None
    frame = pd.read_csv(rows_csv, keep_default_na=False)
    texts = frame["text"].astype(str).tolist()
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    reference, reference_s = outputs(graph, tokenizer, texts)
    logits = reference.shape[1] == len(labels)
    gold = np.array([labels.index(g) for g in frame["gold"]]) if logits else None
    print(f"float32: {reference_s:.1f} s, {graph.stat().st_size / 1e6:.0f} MB, {len(texts)} texts")
    options = variants(layer_nodes(onnx.load(str(graph), load_external_data=False)))
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in options.items():
            if chosen and name not in chosen:
                continue
            target = Path(tmp) / f"{len(list(Path(tmp).iterdir()))}.onnx"
            quantise(graph, target, **extra)
            got, seconds = outputs(target, tokenizer, texts)
            line = f"{name:38} {seconds:6.1f} s ({reference_s / seconds:.2f}x) "
            line += f"{target.stat().st_size / 1e6:4.0f} MB "
            if logits:
                a, b = reference.argmax(1), got.argmax(1)
                line += (
                    f"labels moved {(a != b).sum()} of {len(a)}; accuracy float32 "
                    f"{(a == gold).mean():.1%}, this {(b == gold).mean():.1%}"
                )
            else:
                cosine = (reference * got).sum(1) / (
                    np.linalg.norm(reference, axis=1) * np.linalg.norm(got, axis=1)
                )
                line += f"cosine to float32: mean {cosine.mean():.4f}, lowest {cosine.min():.4f}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
