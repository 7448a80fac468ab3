"""Learning from human codes: uncertainty order, cross-validated learning curve, Wilson
intervals; on synthetic clusters (known answers) and on real MiniLM embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from llmstudio.core.embedding import learning
from llmstudio.core.progress import Monitor
from llmstudio.core.stats.intervals import wilson


def clusters(n_per=60, k=3, dim=16, spread=0.6, seed=0):
    rs = np.random.RandomState(seed)
    centres = rs.normal(size=(k, dim)) * 2
    x = np.vstack([c + spread * rs.normal(size=(n_per, dim)) for c in centres])
    y = np.repeat([f"c{i}" for i in range(k)], n_per)
    perm = rs.permutation(len(y))
    return x[perm], y[perm]


def test_wilson_interval_matches_the_textbook_values():
    # Wilson (1927) score interval for 8 of 10 and 0 of 10 (Newcombe 1998, Table I style)
    low, high = wilson(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    low, high = wilson(0, 10)
    assert round(low, 4) == 0.0 and round(high, 4) == 0.2775


def test_uncertainty_order_puts_the_rows_between_codes_first():
    # 1-D: codes a (x < 0) and b (x > 0); coded rows at the ends; the rows nearest 0
    # are the ones the classifier is least sure about.
    x = np.linspace(-1, 1, 21).reshape(-1, 1)
    rows, labels = [0, 1, 19, 20], ["a", "a", "b", "b"]
    order = learning.suggest_order(x, rows, labels, ["a", "b"])
    assert set(order) == set(range(2, 19))
    assert set(order[:3]) == {9, 10, 11}
    assert set(order[-2:]) == {2, 18}
    # candidates restrict (and coded ones are never suggested); one code only: no model
    assert list(learning.suggest_order(x, rows, labels, ["a", "b"], [0, 5, 15])) in (
        [5, 15],
        [15, 5],
    )
    assert list(learning.suggest_order(x, [0], ["a"], ["a", "b"], [3, 2])) == [3, 2]


def test_learning_curve_rises_and_is_deterministic():
    x, y = clusters(spread=2.0)
    x = learning.prepare_features(x)
    rows = list(range(len(y)))
    curve = learning.learning_curve(x, rows, list(y), ["c0", "c1", "c2"], seed=1)
    assert [p.n for p in curve] == [10, 20, 40, 80, 160, 180]
    assert curve[-1].accuracy > 0.8 and curve[-1].accuracy >= curve[0].accuracy
    for p in curve:
        assert p.ci_low <= p.accuracy <= p.ci_high and p.correct == round(p.accuracy * p.n)
    again = learning.learning_curve(x, rows, list(y), ["c0", "c1", "c2"], seed=1)
    assert again == curve
    # by hand for the last point: 5-fold stratified CV with the same folds
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    correct = 0
    for train, test in StratifiedKFold(5, shuffle=True, random_state=1).split(x, y):
        clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(
            x[train], y[train]
        )
        correct += int((clf.predict(x[test]) == y[test]).sum())
    assert curve[-1].correct == correct and curve[-1].folds == 5


def test_curve_points_need_two_codes_and_a_few_rows():
    x, y = clusters()
    assert learning.learning_curve(x, [0, 1, 2], ["c0", "c0", "c1"], ["c0", "c1"]) == []
    same = [i for i in range(len(y)) if y[i] == "c0"][:12]
    assert learning.learning_curve(x, same, ["c0"] * 12, ["c0", "c1"]) == []
    # a code seen once is held out once (2 folds), not a crash
    rows = [i for i in range(len(y)) if y[i] == "c0"][:9] + [
        i for i in range(len(y)) if y[i] == "c1"
    ][:1]
    (point,) = learning.learning_curve(x, rows, ["c0"] * 9 + ["c1"], ["c0", "c1"], [10])
    assert point.folds == 2 and point.n == 10
    # cancelled: stops before the next point
    assert (
        learning.learning_curve(
            x,
            list(range(100)),
            list(y[:100]),
            ["c0", "c1", "c2"],
            monitor=Monitor(cancelled=lambda: True),
        )
        == []
    )


def test_fit_predict_gives_absent_codes_zero():
    x, y = clusters()
    rows = [i for i in range(len(y)) if y[i] != "c2"][:30]
    probs = learning.fit_predict(x, rows, y[rows], ["c0", "c1", "c2"])
    assert probs.shape == (len(y), 3) and np.allclose(probs.sum(1), 1)
    assert (probs[:, 2] == 0).all()


@pytest.mark.slow
def test_real_embeddings_learn_topics():
    """The builtin MiniLM's frozen embeddings of two clear topics: a handful of codes
    already order the remaining texts sensibly and cross-validate well."""
    from sentence_transformers import SentenceTransformer

    from llmstudio.core.backends.builtin import model_dir

    sport = [
        "The striker scored twice in the final.",
        "The team won the league title.",
        "A record crowd watched the tennis match.",
        "The coach praised his defenders.",
        "She won gold in the 100 metres.",
        "The match went to penalties.",
    ]
    money = [
        "Interest rates rose by half a point.",
        "Shares fell after the profit warning.",
        "The bank cut its growth forecast.",
        "Inflation hit a ten-year high.",
        "The company's revenue doubled this quarter.",
        "Bond yields climbed again.",
    ]
    model = SentenceTransformer(str(model_dir()), device="cpu")
    x = learning.prepare_features(model.encode(sport + money, normalize_embeddings=True))
    labels = ["sport"] * 6 + ["money"] * 6
    curve = learning.learning_curve(x, list(range(12)), labels, ["sport", "money"], [12])
    assert curve[0].accuracy >= 11 / 12
