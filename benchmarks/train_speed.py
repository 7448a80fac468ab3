#!/usr/bin/env python3
"""Fine-tuning speed and accuracy of ``llmstudio train`` (``core/training``) on AG News.

    .venv/bin/python benchmarks/train_speed.py                  # time per epoch, 400 texts
    .venv/bin/python benchmarks/train_speed.py --accuracy       # + accuracy at 64..400 a label
    .venv/bin/python benchmarks/train_speed.py --write          # record in RESULTS.md

Speed: one epoch of llmstudio's training loop (``loop.fine_tune``: dynamic padding) beside
the plain transformers loop of the Hugging Face course (texts padded to the maximum length
once, ``DataLoader``, ``AdamW``, linear schedule), on the same 400 AG News texts, batch
size, sequence length (128), learning rate, base model (the builtin MiniLM with a new head)
and device, in the same process, alternating, ``--repeats`` times each; the medians.

Accuracy (``--accuracy``): the final model trained on N texts per label (N = 64, 128, 256,
400; seed 0) scored on 1,000 other AG News texts, beside the builtin few-shot method given
the same N texts per label as examples (it codes the 1,000 transductively).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def ag_news():
    """(texts, label names per text, label names) of AG News' test split."""
    with open(DATA / "ag_news_test" / "test.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    labels = (DATA / "ag_news_test" / "classes.txt").read_text().split()
    texts = [f"{t}. {d}".replace("\\", " ") for _, t, d in rows]
    return texts, [labels[int(r[0]) - 1] for r in rows], labels


def per_label(gold, labels, n: int, seed: int = 0, exclude=()):
    """Indices of ``n`` texts of each label (seeded), none of ``exclude``."""
    import numpy as np

    rng = np.random.RandomState(seed)
    skip = set(exclude)
    out = []
    for label in labels:
        pool = [i for i, g in enumerate(gold) if g == label and i not in skip]
        out += list(rng.choice(pool, n, replace=False))
    return sorted(int(i) for i in out)


def plain_epoch(base, texts, y, settings) -> float:
    """Seconds for one epoch of the course's loop (padding to max_length)."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    from transformers import get_linear_schedule_with_warmup

    from llmstudio.core.training.loop import load_base

    model, tok = load_base(base, sorted(set(y)), False, settings.seed)
    names = sorted(set(y))
    enc = tok(
        list(texts),
        truncation=True,
        max_length=settings.max_length,
        padding="max_length",
        return_tensors="pt",
    )
    labels = torch.tensor([names.index(v) for v in y])
    data = TensorDataset(enc["input_ids"], enc["attention_mask"], labels)
    loader = DataLoader(
        data,
        batch_size=settings.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate)
    schedule = get_linear_schedule_with_warmup(optimiser, 0, len(loader))
    model.train()
    started = time.perf_counter()
    for ids, mask, lab in loader:
        loss = model(input_ids=ids, attention_mask=mask, labels=lab).loss
        loss.backward()
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
    return time.perf_counter() - started


def ours_epoch(base, texts, y, settings) -> float:
    """Seconds for one epoch of ``loop.fine_tune`` (its own timing of the epoch)."""
    from llmstudio.core.training.loop import fine_tune, targets_matrix

    names = sorted(set(y))
    trained = fine_tune(
        base, list(texts), targets_matrix([(v,) for v in y], names), names, False, settings
    )
    return trained.epoch_seconds[0]


def speed(repeats: int):
    from llmstudio.core.training import TrainSettings
    from llmstudio.core.training.settings import base_model

    texts, gold, labels = ag_news()
    rows = per_label(gold, labels, 100)
    texts, y = [texts[i] for i in rows], [gold[i] for i in rows]
    settings = TrainSettings(epochs=1, device="cpu")
    base = base_model("builtin")
    ours, plain = [], []
    for _ in range(repeats):
        plain.append(plain_epoch(base, texts, y, settings))
        print(f"plain transformers loop: {plain[-1]:.1f} s per epoch", flush=True)
        ours.append(ours_epoch(base, texts, y, settings))
        print(f"llmstudio loop: {ours[-1]:.1f} s per epoch", flush=True)
    return statistics.median(ours), statistics.median(plain), len(texts), settings


def accuracy(sizes, test_n: int = 1000):
    import numpy as np

    from llmstudio.core.embedding.classifier import EmbeddingClassifier
    from llmstudio.core.training import TrainSettings
    from llmstudio.core.training.loop import fine_tune, predict_probabilities, targets_matrix
    from llmstudio.core.training.settings import base_model

    texts, gold, labels = ag_news()
    test = per_label(gold, labels, test_n // len(labels), seed=1)
    test_texts = [texts[i] for i in test]
    truth = np.array([gold[i] for i in test])
    base = base_model("builtin")
    few = EmbeddingClassifier.from_model_dir(seed=0)
    out = []
    for n in sizes:
        rows = per_label(gold, labels, n, seed=0, exclude=test)
        train_t, train_y = [texts[i] for i in rows], [gold[i] for i in rows]
        started = time.perf_counter()
        trained = fine_tune(
            base,
            train_t,
            targets_matrix([(v,) for v in train_y], labels),
            labels,
            False,
            TrainSettings(device="cpu"),
        )
        ours = np.array(labels)[predict_probabilities(trained, test_texts).argmax(1)]
        ours_s = time.perf_counter() - started
        started = time.perf_counter()
        probs = few.few_shot(test_texts, train_t, train_y, labels)
        few_s = time.perf_counter() - started
        fewp = np.array(labels)[probs.argmax(1)]
        out.append((n, (ours == truth).mean(), ours_s, (fewp == truth).mean(), few_s))
        print(out[-1], flush=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--accuracy", action="store_true")
    p.add_argument("--sizes", default="64,128,256,400")
    p.add_argument("--write", action="store_true")
    args = p.parse_args(argv)
    import os

    import torch

    ours, plain, n, settings = speed(args.repeats)
    threads = torch.get_num_threads()
    table = [
        "| loop | seconds per epoch (400 texts) |",
        "|---|---:|",
        f"| llmstudio (`loop.fine_tune`, dynamic padding) | {ours:.1f} |",
        f"| plain transformers loop (padded to {settings.max_length}) | {plain:.1f} |",
    ]
    notes = (
        f"MiniLM (builtin) with a new head, {n} AG News texts (100 a label), batch "
        f"{settings.batch_size}, max length {settings.max_length}, lr {settings.learning_rate}, "
        f"CPU, {threads} torch threads, median of {args.repeats}; the machine was shared "
        f"with other work (load average {os.getloadavg()[0]:.1f}): compare the two rows, "
        "not the seconds."
    )
    parts = ["\n".join(table), notes]
    print("\n".join(parts))
    if args.accuracy:
        rows = accuracy([int(s) for s in args.sizes.split(",")])
        acc = [
            "| texts per label | fine-tuned accuracy | seconds | builtin few-shot accuracy "
            "| seconds |",
            "|---:|---:|---:|---:|---:|",
        ] + [f"| {n} | {a:.3f} | {s:.0f} | {b:.3f} | {t:.0f} |" for n, a, s, b, t in rows]
        parts += [
            "\n".join(acc),
            "Accuracy on 1,000 other AG News texts (250 a label), seed 0, 4 epochs.",
        ]
        print("\n".join(acc))
    if args.write:
        from import_speed import record

        record("Fine-tuning a classifier (train)", "train_speed.py --write", *parts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
