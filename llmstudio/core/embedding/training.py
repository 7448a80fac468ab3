"""How the embedding classifier learns: the model fine-tuned on the coded examples
(SetFit-style, all pairs in a batch), transductive self-training on its most confident
texts, and the logistic-regression heads. Numbers in, numbers out: the classifier
(:mod:`.classifier`) decides when each runs."""

from __future__ import annotations


def finetune(
    load_model, texts, targets, span, *, seed: int, batch_size: int, steps: int, lr: float, report
):
    """A copy of the model (``load_model()``, loaded on first use) tuned SetFit-style: the
    cosine of two examples' embeddings is pushed towards the overlap of their codes (1
    same code, 0 different; Jaccard for multi-label), mean squared error. Unlike SetFit,
    which samples a few pairs per batch, every step embeds a batch of examples once and
    uses *all* pairs within it: the same signal for about a third of the encoder passes
    (SST-2, 16 a class: 76% in 53 s against SetFit's 75% in 167 s on one core). AdamW,
    warm-up and linear decay; texts cut to 128 tokens while training (the cost grows with
    length); the copy in float32, whatever precision the model runs in. Runs under a
    forked RNG so the caller's torch random state is untouched (a model loaded here is
    loaded under it, after the seed); ``report(fraction, message)``
    between steps (it raises Cancelled)."""
    import copy

    import numpy as np
    import torch

    lo, hi = span
    report(lo, "fine-tuning the model on the examples")
    rs = np.random.RandomState(seed)
    targets = np.asarray(targets, dtype=np.float64)
    n = len(texts)
    bs = min(batch_size, n)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = copy.deepcopy(load_model())
        # A model run in half precision (a GPU) learns, and then answers, in float32:
        # AdamW's small steps vanish in float16's and bfloat16's few digits (rounded back
        # to them, most of what it learnt would be lost too).
        model.float()
        max_len = model.max_seq_length
        model.max_seq_length = min(max_len or 128, 128)
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        warm = max(1, int(0.1 * steps))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps)
        )
        device = next(model.parameters()).device
        upper = np.triu_indices(bs, 1)
        order = []
        for step in range(steps):
            report(
                lo + (hi - lo) * step / steps,
                f"fine-tuning the model on the examples ({step}/{steps})",
            )
            if len(order) < bs:  # walk through shuffled epochs of the examples
                order += rs.permutation(n).tolist()
            batch, order = order[:bs], order[bs:]
            t = targets[batch]
            inter = t @ t.T
            union = t.sum(1)[:, None] + t.sum(1)[None, :] - inter
            goal = (inter / np.maximum(union, 1))[upper]
            emb = torch.nn.functional.normalize(
                _encode_train(model, [texts[i] for i in batch], device), dim=1
            )
            cos = (emb @ emb.T)[torch.as_tensor(upper[0]), torch.as_tensor(upper[1])]
            loss = torch.nn.functional.mse_loss(
                cos, torch.as_tensor(goal, dtype=cos.dtype, device=device)
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        model.max_seq_length = max_len
    report(hi, "fine-tuning done")
    return model


def self_train(x, probs, ex_x, ex_y, *, rounds: int, confident_share: float, check):
    """Transductive self-training: fit a logistic regression to the most confident
    texts of each label (by margin over the runner-up), re-label the corpus, repeat.
    Coded examples, when there are any, are always in the training set, weighted so
    that together they count as much as a quarter of the pseudo-examples. ``check()`` before
    each round (it raises Cancelled)."""
    import numpy as np

    n, k = probs.shape
    per_label = max(5, int(confident_share * n / k))
    for _ in range(rounds):
        check()
        pred = probs.argmax(1)
        idx, lab = [], []
        for c in range(k):
            members = np.where(pred == c)[0]
            if len(members) == 0:
                continue
            others = np.delete(probs[members], c, axis=1)
            margin = probs[members, c] - (others.max(1) if k > 1 else 0)
            # a stable sort, so ties break by position: deterministic
            top = members[np.argsort(-margin, kind="stable")[:per_label]]
            idx.extend(top.tolist())
            lab.extend([c] * len(top))
        if len(set(lab)) < 2:
            break
        train_x, train_y = x[idx], np.array(lab)
        weights = np.ones(len(idx))
        if ex_x is not None:
            train_x = np.vstack([train_x, ex_x])
            train_y = np.concatenate([train_y, ex_y])
            weights = np.concatenate([weights, np.full(len(ex_y), 0.25 * len(idx) / len(ex_y))])
        probs = logistic_probs(train_x, train_y, x, k, weights)
    return probs


def multi_fit(x, train_x, train_t):
    """One-vs-rest logistic regressions: an independent probability per label."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    out = np.zeros((len(x), train_t.shape[1]))
    for j in range(train_t.shape[1]):
        y = train_t[:, j].astype(int)
        if y.min() == y.max():
            out[:, j] = float(y[0])
            continue
        clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
        clf.fit(train_x, y)
        out[:, j] = clf.predict_proba(x)[:, 1]
    return out


def logistic_probs(train_x, train_y, x, k, weights=None):
    """A multinomial logistic regression (C=1) -> probabilities for all k labels, also
    those absent from ``train_y`` (0 for them)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit(train_x, train_y, sample_weight=weights)
    out = np.zeros((len(x), k))
    out[:, clf.classes_] = clf.predict_proba(x)
    return out


def _encode_train(model, texts, device):
    """Embeddings with gradients (``encode`` runs without them)."""
    features = model.preprocess(texts)
    features = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in features.items()}
    return model(features)["sentence_embedding"]
