"""``llmstudio estimate``: corrected shares from a table or a project, as users run it."""

import json

import numpy as np
import pandas as pd
import pytest

from helpers.ppi_project import make_ppi_project

FIELDS = {"n", "n_gold", "naive", "corrected", "ci_low", "ci_high", "human_only"}
FIELDS |= {"human_ci_low", "human_ci_high", "ppi_plus", "ppi_plus_ci_low", "ppi_plus_ci_high"}


@pytest.fixture
def table(tmp_path):
    """2,000 rows; the model misses half of Reform's negatives; 200 random rows coded."""
    rng = np.random.default_rng(8)
    rows = 2000
    party = np.where(rng.random(rows) < 0.5, "Labour", "Reform")
    truth = np.where(rng.random(rows) < 0.3, "negative", "positive")
    miss = (party == "Reform") & (truth == "negative") & (rng.random(rows) < 0.5)
    gold = np.full(rows, "", dtype=object)
    drawn = rng.choice(rows, 200, replace=False)
    gold[drawn] = truth[drawn]
    frame = pd.DataFrame(
        {
            "text": [f"text {i}" for i in range(rows)],
            "party": party,
            "model": np.where(miss, "positive", truth),
            "human": gold,
        }
    )
    path = tmp_path / "coded.csv"
    frame.to_csv(path, index=False)
    return path


def test_json_per_group_and_label(cli, table):
    run = cli("estimate")
    args = (table, "--model-column", "model", "--gold-column", "human", "--by", "party")
    done = run(*args, "--sample-is-random", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["rows"] == 2000 and out["gold_rows"] == 200
    by = {(e["group"], e["label"]): e for e in out["estimates"]}
    assert set(by) == {
        (g, lab) for g in ("(all rows)", "Labour", "Reform") for lab in ("negative", "positive")
    }
    reform = by[("Reform", "negative")]
    assert FIELDS <= set(reform)
    assert reform["n"] + by[("Labour", "negative")]["n"] == 2000
    # the model sees too few of Reform's negatives; the correction moves the share up
    assert reform["corrected"] > reform["naive"] + 0.05
    assert reform["ci_low"] < reform["corrected"] < reform["ci_high"]


def test_table_sample_refused_unless_said_random(cli, table):
    done = cli("estimate")(table, "--model-column", "model", "--gold-column", "human")
    assert done.returncode == 2
    assert "cannot show how the rows with a person's code were chosen" in done.stderr
    assert "--sample-is-random" in done.stderr


def test_missing_columns_named(cli, table):
    run = cli("estimate")
    done = run(table, "--model-column", "label", "--gold-column", "human", "--sample-is-random")
    assert done.returncode == 2 and "no column 'label' (the model column)" in done.stderr
    assert "party" in done.stderr  # the columns there are
    done = run(table, "--model-column", "model", "--gold-column", "human", "--by", "wave")
    assert done.returncode == 2 and "no column 'wave'" in done.stderr


def test_methods_record(cli, table, tmp_path):
    out = tmp_path / "methods.md"
    args = (table, "--model-column", "model", "--gold-column", "human", "--by", "party")
    done = cli("estimate")(*args, "--sample-is-random", "--methods", out)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "Prediction-powered inference. Science" in text and "PPI++" in text
    assert "corrected with 200 rows coded by a person" in text
    assert "| Reform | share 'negative' |" in text


def test_project_run_and_coder(cli, tmp_path):
    path = make_ppi_project(tmp_path)
    done = cli("estimate")(path, "--run", 1, "--coder", "ana", "--by", "party", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["gold_rows"] == 60 and "random sample of 60 (seed 3)" in out["sample"]
    neg = next(
        e for e in out["estimates"] if e["group"] == "(all rows)" and e["label"] == "negative"
    )
    # the lexicon reads "oh great, another delay" as positive: the person's codes correct it
    assert neg["corrected"] > neg["naive"]


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("no sample", "no sample was drawn in codebook 'Sentiment'"),
        ("outside", "5 coded rows outside the random sample"),
    ],
)
def test_project_sample_not_random_refused(cli, tmp_path, how, why):
    path = make_ppi_project(tmp_path, how)
    done = cli("estimate")(path, "--run", 1, "--coder", "ana")
    assert done.returncode == 2
    assert "the validation sample is refused" in done.stderr and why in done.stderr


def test_project_names_runs_and_coders_that_exist(cli, tmp_path):
    path = make_ppi_project(tmp_path)
    run = cli("estimate")
    done = run(path, "--run", 7, "--coder", "ana")
    assert done.returncode == 2 and "no run 7 (its runs: 1)" in done.stderr
    done = run(path, "--run", 1, "--coder", "bo")
    assert done.returncode == 2 and "no coder 'bo' in codebook 'Sentiment'" in done.stderr
    assert "its coders: ana" in done.stderr
    done = run(path, "--model-column", "x", "--gold-column", "y")
    assert done.returncode == 2 and "--run N --coder NAME" in done.stderr


def test_options_that_do_not_fit_said(cli, table, tmp_path):
    run = cli("estimate")
    args = (table, "--model-column", "model", "--gold-column", "human", "--sample-is-random")
    done = run(*args, "--methods", tmp_path / "methods.txt")
    assert done.returncode == 2 and "give a .md file" in done.stderr
    done = run(*args, "--run", 1)
    assert done.returncode == 2 and "--run and --coder are for a project" in done.stderr
    done = run(table, "--model-column", "model")
    assert done.returncode == 2 and "--model-column COL --gold-column COL" in done.stderr
    project = make_ppi_project(tmp_path)
    done = run(project, "--run", 1, "--coder", "ana", "--by", "wave")
    assert done.returncode == 2 and "no column 'wave' to group by" in done.stderr


def test_target_width_plans_rows_to_code(cli, table, tmp_path):
    from llmstudio.core.estimate_planning import plan_sample
    from llmstudio.core.estimates import SampleOrigin, corrected_estimates

    run = cli("estimate")
    args = (table, "--model-column", "model", "--gold-column", "human", "--by", "party")
    methods = tmp_path / "methods.md"
    done = run(*args, "--sample-is-random", "--target-width", 4, "--methods", methods)
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(table, keep_default_na=False)
    report = corrected_estimates(
        frame, "model", "human", SampleOrigin(True, ""), by="party", kind="share"
    )
    sentence = plan_sample(report, 0.04).sentence()
    assert "±4.0 points" in sentence and sentence in done.stderr
    assert "## Rows to code for narrower intervals" in methods.read_text(encoding="utf-8")
    done = run(*args, "--sample-is-random", "--target-width", 0)
    assert done.returncode == 2 and "--target-width must be above 0, not 0" in done.stderr
