"""``llmstudio probe`` (``llmstudio/cli/probe.py``), run as
users do, in a subprocess; the numbers in report.json recomputed from rows.csv."""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from llmstudio.cli import probe as probe_cli

REPO = Path(__file__).resolve().parents[2]
EEC = REPO.parent / "shared" / "data" / "eec" / "Equity-Evaluation-Corpus.csv"
TABLE = {"He": 0.6, "She": 0.3, "The": 0.1}


@pytest.fixture
def probe(tmp_path):
    """``probe(*args)`` -> CompletedProcess of ``python -m llmstudio probe ARGS``."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update(
        {
            "LLMSTUDIO_CONFIG_DIR": str(tmp_path / "config"),
            "PYTHONPATH": os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]),
        }
    )

    def run(*args, timeout: float = 120):
        return subprocess.run(
            [sys.executable, "-m", "llmstudio", "probe", *map(str, args)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )

    return run


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.skipif(not EEC.is_file(), reason="no EEC in ../shared/data")
def test_eec_with_the_lexicon(probe, tmp_path):
    out = tmp_path / "eec"
    done = probe(
        "--model", "lexicon", "--probe", "eec", "--eec", EEC, "--limit", "240", "--out", out
    )
    assert done.returncode == 0, done.stderr
    assert "female - male" in done.stdout
    report = json.loads((out / "report.json").read_text("utf-8"))
    for key in (
        "probe",
        "n",
        "n_errors",
        "score_definition",
        "gap_definition",
        "gender_gap",
        "race_gap",
        "groups",
        "gaps",
        "model",
        "fingerprint",
        "task",
        "data",
        "limit",
        "seed",
        "interval",
    ):
        assert key in report, key
    for key in ("n_pairs", "mean_difference", "ci_low", "ci_high", "p_value"):
        assert key in report["gender_gap"]
    assert report["n"] == 240 and report["probe"] == "eec"
    assert "Kiritchenko" in report["data"]["attribution"]

    # Recomputed from rows.csv with the standard library only.
    rows = _rows(out / "rows.csv")
    assert len(rows) == 240
    female = [float(r["score"]) for r in rows if r["gender"] == "female"]
    group = next(g for g in report["groups"] if g["emotion"] == "all" and g["group"] == "female")
    assert group["n"] == len(female)
    assert group["mean"] == pytest.approx(statistics.fmean(female))
    assert group["sd"] == pytest.approx(statistics.stdev(female))
    by_frame = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by_frame[r["frame"]][r["gender"]].append(float(r["score"]))
    diffs = [statistics.fmean(g["female"]) - statistics.fmean(g["male"]) for g in by_frame.values()]
    gap = report["gender_gap"]
    assert gap["n_pairs"] == len(diffs) == 4
    assert gap["mean_difference"] == pytest.approx(statistics.fmean(diffs))
    assert gap["sd"] == pytest.approx(statistics.stdev(diffs))
    md = (out / "report.md").read_text("utf-8")
    assert "Equity Evaluation Corpus" in md and "Kiritchenko" in md


def test_occupations_through_an_openai_compatible_server(probe, tmp_path):
    from fakes.openai_server import FakeOpenAI

    occupations = tmp_path / "occ.csv"
    occupations.write_text(
        "occupation,stereotype,women_share\nnurse,female,87%\ndriver,male,6%\n", "utf-8"
    )
    out = tmp_path / "occ"
    with FakeOpenAI(continuation=TABLE) as fake:
        done = probe(
            "--model",
            "openai:fake",
            "--base-url",
            fake.url,
            "--probe",
            "occupations",
            "--occupations",
            occupations,
            "--template",
            "The {occupation} sat down.",
            "--template",
            "The {occupation} walked into the room.",
            "--out",
            out,
        )
        sent = len(fake.chat_requests())
    assert done.returncode == 0, done.stderr
    assert "sending 4 prompts" in done.stderr and "127.0.0.1" in done.stderr  # what goes where
    assert sent == 4
    report = json.loads((out / "report.json").read_text("utf-8"))
    for key in (
        "probe",
        "n",
        "method",
        "model",
        "templates",
        "definition",
        "summary",
        "occupations",
        "data",
        "seed",
        "instruction",
    ):
        assert key in report, key
    assert report["method"] == "logprobs" and report["n"] == 2
    rows = {r["occupation"]: r for r in _rows(out / "rows.csv")}
    assert float(rows["nurse"]["share_he"]) == pytest.approx(0.6 / 0.9)
    assert float(rows["nurse"]["women_share"]) == pytest.approx(0.87)
    assert report["summary"]["difference"] == pytest.approx(0.0)
    details = _rows(out / "details.csv")
    assert len(details) == 4
    assert "Zhao" in (out / "report.md").read_text("utf-8")


def test_occupations_by_sampling_in_process(tmp_path, capsys):
    """``add_arguments`` + ``run`` as ``llmstudio probe`` calls them; counts recomputed from
    details.csv."""
    from fakes.openai_server import FakeOpenAI

    parser = argparse.ArgumentParser()
    probe_cli.add_arguments(parser)
    out = tmp_path / "samples"
    with FakeOpenAI(continuation=TABLE, accepts_logprobs=False) as fake:
        args = parser.parse_args(
            [
                "--model",
                "openai:fake",
                "--base-url",
                fake.url,
                "--probe",
                "occupations",
                "--samples",
                "8",
                "--out",
                str(out),
            ]
        )
        assert probe_cli.run(args) == 0
        assert len(fake.chat_requests()) == 1 + 40 * 8
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["method"] == "samples" and report["n"] == 40
    details = _rows(out / "details.csv")
    for row in _rows(out / "rows.csv"):
        mine = [d["pronoun"] for d in details if d["occupation"] == row["occupation"]]
        assert int(row["n_he"]) == mine.count("he")
        assert int(row["n_she"]) == mine.count("she")
        assert int(row["n_samples"]) == len(mine) == 8


@pytest.mark.parametrize(
    "args, message, status",
    [
        (["--model", "lexicon", "--probe", "eec", "--eec", "missing.csv"], "no such file", 1),
        (["--model", "lexicon", "--probe", "occupations"], "writes no text", 1),
        (["--model", "nonsense", "--probe", "occupations"], "unknown model", 1),
        (["--model", "lexicon", "--probe", "eec", "--limit", "0"], "--limit", 2),
        (["--model", "lexicon", "--probe", "occupations", "--samples", "-1"], "--samples", 2),
    ],
)
def test_errors_are_one_line(probe, tmp_path, args, message, status):
    done = probe(*args, "--out", tmp_path / "out")
    assert done.returncode == status  # 2: a bad value of an option (exit_codes.py)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("llmstudio: error:") and message in lines[0]
    assert not (tmp_path / "out").exists()


def test_usage_error(probe, tmp_path):
    done = probe("--model", "lexicon", "--probe", "swaps", "--out", tmp_path / "o")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_occupations_with_a_local_causal_lm(tmp_path, monkeypatch, capsys):
    """An hf: causal LM folder: next-word probabilities, point values (no interval)."""
    import models  # tests/ is on sys.path (rootdir conftest)

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = models.build_causal_lm(tmp_path / "lm", seed=5, chat_template=None)
    parser = argparse.ArgumentParser()
    probe_cli.add_arguments(parser)
    out = tmp_path / "lm-out"
    args = parser.parse_args(
        ["--model", f"hf:{folder}", "--probe", "occupations", "--out", str(out)]
    )
    assert probe_cli.run(args) == 0
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["method"] == "logprobs" and report["n"] == 40
    for row in _rows(out / "rows.csv"):
        p_he, p_she = float(row["p_he"]), float(row["p_she"])
        assert float(row["share_he"]) == pytest.approx(p_he / (p_he + p_she))
        assert row["ci_low"] == ""
    assert "mean share 'he'" in capsys.readouterr().out


@pytest.mark.slow  # a subprocess and a model built: about 10 s, more on a busy machine
def test_fill_mask_with_a_masked_lm_as_users_run_it(probe, tmp_path):
    """A BERT masked LM folder: he/she and a word of several tokens, reported; the means
    in report.json recomputed from details.csv."""
    import models  # tests/ is on sys.path (rootdir conftest)

    folder = models.build_masked_lm(tmp_path / "mlm")
    occupations = tmp_path / "jobs.txt"
    occupations.write_text("doctor\npolice\n", "utf-8")
    out = tmp_path / "fm"
    done = probe(
        "--model", f"hf:{folder}", "--probe", "fill-mask", "--out", out,
        "--template", "[MASK] worked as a {occupation}.", "--template", "[MASK] is here.",
        "--target", "he,she", "--target", "engineer", "--occupations", occupations,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "'engineer' is not one token of the model's vocabulary" in done.stderr
    assert done.stdout.startswith("fill-mask, 3 prompts; mean P at the mask: he ")
    report = json.loads((out / "report.json").read_text("utf-8"))
    details = _rows(out / "details.csv")
    assert [d["prompt"] for d in details] == [
        "[MASK] worked as a doctor.",
        "[MASK] worked as a police.",
        "[MASK] is here.",
    ]
    targets = {t["target"]: t for t in report["targets"]}
    for word in ("he", "she"):
        mean = statistics.fmean(float(d[f"p[{word}]"]) for d in details)
        assert targets[word]["mean_p"] == pytest.approx(mean)
    assert targets["engineer"]["in_vocabulary"] is False and targets["engineer"]["mean_p"] is None
    assert "## Masked-word probe" in (out / "report.md").read_text("utf-8")


def test_fill_mask_refuses_a_model_without_a_masked_word_head(probe, tmp_path):
    done = probe("--model", "builtin", "--probe", "fill-mask", "--out", tmp_path / "out")
    assert done.returncode == 1 and "has no masked-word head" in done.stderr
    assert not (tmp_path / "out").exists()
