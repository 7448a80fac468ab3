"""Rows to code for a target interval width (core/estimate_planning.py), against a
simulation: samples of the planned size give intervals of the planned width."""

import numpy as np
import pandas as pd
import pytest

from llmstudio.core.estimate_planning import plan_sample, rows_needed
from llmstudio.core.estimates import SampleOrigin, corrected_estimates
from llmstudio.core.methods_estimates import methods_markdown

RANDOM = SampleOrigin(True, "random sample")
ROWS = 6000


def _population(rng):
    """Two parties, the same true share of "neg" (0.3); the model misses half of B's
    negatives and flips 5% of all labels."""
    group = np.where(rng.random(ROWS) < 0.4, "A", "B")
    truth = np.where(rng.random(ROWS) < 0.3, "neg", "pos")
    model = np.where((group == "B") & (truth == "neg") & (rng.random(ROWS) < 0.5), "pos", truth)
    flip = rng.random(ROWS) < 0.05
    model = np.where(flip, np.where(model == "neg", "pos", "neg"), model)
    return group, truth, model


def _coded(truth, rows):
    gold = np.full(ROWS, None, dtype=object)
    gold[rows] = truth[rows]
    return gold


def _half_widths(rng, pop, size, reps=60):
    """Mean PPI++ half-width per (group, label) over ``reps`` random samples of ``size``."""
    group, truth, model = pop
    widths: dict = {}
    for _ in range(reps):
        drawn = rng.choice(ROWS, size, replace=False)
        frame = pd.DataFrame({"party": group, "model": model, "gold": _coded(truth, drawn)})
        for e in corrected_estimates(frame, "model", "gold", RANDOM, by="party").estimates:
            if e.ppi_plus is not None:
                widths.setdefault((e.group, e.label), []).append(
                    (e.ppi_plus_ci_high - e.ppi_plus_ci_low) / 2
                )
    return {k: float(np.mean(v)) for k, v in widths.items()}


def _pilot(rng, pop, size=150):
    group, truth, model = pop
    frame = pd.DataFrame(
        {"party": group, "model": model, "gold": _coded(truth, rng.choice(ROWS, size, False))}
    )
    return corrected_estimates(frame, "model", "gold", RANDOM, by="party")


def test_planned_sample_gives_the_planned_width():
    rng = np.random.default_rng(22)
    pop = _population(rng)
    pilot = _pilot(rng, pop)
    target = 0.04
    overall = next(e for e in pilot.estimates if e.group == "(all rows)" and e.label == "neg")
    need = rows_needed(overall, target, pilot.rows)
    assert need.more > 0 and need.coded > overall.n_gold
    # samples of the size the formula gives have intervals of about the target width
    got = _half_widths(rng, pop, need.coded)[("(all rows)", "neg")]
    assert got == pytest.approx(target, rel=0.15)

    plan = plan_sample(pilot, target)
    assert plan.more == max(r.overall for r in plan.rows if r.overall is not None)
    widths = _half_widths(rng, pop, pilot.gold_rows + plan.more)
    # every estimate about the target or narrower; the one that asked most about at it
    assert max(widths.values()) == pytest.approx(target, rel=0.15)
    w = plan.widest.estimate
    assert widths[(w.group, w.label)] == pytest.approx(target, rel=0.15)
    # half the rows give a clearly wider interval: the plan is not padded
    narrow = _half_widths(rng, pop, (pilot.gold_rows + plan.more) // 2, reps=20)
    assert narrow[(w.group, w.label)] > 1.25 * widths[(w.group, w.label)]


def test_plan_sentence_and_what_it_cannot_plan():
    rng = np.random.default_rng(3)
    pilot = _pilot(rng, _population(rng))
    plan = plan_sample(pilot, 0.03)
    assert f"code about {plan.more:,} more rows drawn at random" in plan.sentence()
    assert "±3.0 points" in plan.sentence()
    wide = plan_sample(pilot, 0.5)
    assert wide.more == 0 and wide.sentence().startswith("Every corrected interval is already")
    with pytest.raises(ValueError, match="half-width"):
        plan_sample(pilot, 0)
    # some estimates out of reach: not "on every bar", and they are counted
    mixed = plan_sample(pilot, 0.012)
    assert mixed.unreachable and mixed.more
    assert "on every bar" not in mixed.sentence()
    assert f"{len(mixed.unreachable)} other estimates cannot get there" in mixed.sentence()
    # more coded rows than any group has: said, with the reason
    none = plan_sample(pilot, 0.002)
    assert none.more is None and none.widest is None
    assert "no estimate gets there by coding more rows" in none.sentence()
    assert "more coded rows than its group has" in none.sentence()
    # a narrow target in the smaller group only
    a = next(e for e in pilot.estimates if e.group == "A")
    assert "more coded rows than its group has (2," in rows_needed(a, 0.006, pilot.rows).reason


def test_group_without_corrected_estimate_is_not_planned():
    rng = np.random.default_rng(4)
    group, truth, model = _population(rng)
    group = group.copy()
    group[:4] = "C"  # four rows, coded: too few for a corrected interval
    gold = _coded(truth, np.concatenate([np.arange(4), rng.choice(np.arange(4, ROWS), 150)]))
    report = corrected_estimates(
        pd.DataFrame({"party": group, "model": model, "gold": gold}),
        "model",
        "gold",
        RANDOM,
        by="party",
    )
    plan = plan_sample(report, 0.05)
    c = next(r for r in plan.rows if r.estimate.group == "C")
    assert c.overall is None and "only 4 rows" in c.reason
    assert c not in plan.unreachable  # no corrected estimate: not counted as unplannable


def test_methods_record_says_the_plan():
    rng = np.random.default_rng(5)
    pilot = _pilot(rng, _population(rng))
    text = methods_markdown(pilot, half_width=0.03)
    assert "## Rows to code for narrower intervals" in text
    assert plan_sample(pilot, 0.03).sentence() in text
    assert "## Rows to code" not in methods_markdown(pilot)


def test_table_for_a_reader_and_its_files(tmp_path):
    from llmstudio.core.errors import ExportError
    from llmstudio.core.estimate_table import report_frame, write_estimates

    rng = np.random.default_rng(6)
    pilot = _pilot(rng, _population(rng))
    frame = report_frame(pilot, 0.05)
    assert len(frame) == len(pilot.estimates)
    assert list(frame["Corrected (PPI++)"]) == [e.ppi_plus for e in pilot.estimates]
    plan = plan_sample(pilot, 0.05)
    assert list(frame["More rows to code for ±5.0 points"].fillna(-1)) == [
        r.overall if r.overall is not None else -1 for r in plan.rows
    ]
    back = pd.read_excel(write_estimates(pilot, tmp_path / "e.xlsx", "ana", 0.05), None)
    assert set(back) == {"estimates", "about"}
    assert any(": random sample" in line for line in back["about"]["about"])
    with pytest.raises(ExportError, match="unknown export format '.txt'"):
        write_estimates(pilot, tmp_path / "e.txt")
