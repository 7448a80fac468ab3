"""``llmstudio explain`` as users run it: a local classifier's words weighed and written,
an API model elsewhere refused without --send (nothing sent), the requests announced."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from llmstudio.core.explain.words import split_words

from cli_process import cli_env
from helpers.explain import SENTIMENT, api_run, classifier_run


def explain(tmp_path, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "llmstudio", "explain", *map(str, args)],
        cwd=tmp_path,
        env=env or cli_env(tmp_path),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.mark.slow
def test_explain_a_local_classifiers_row_prints_and_writes(tmp_path):
    from models import build_classifier

    folder = build_classifier(tmp_path / "clf", list(SENTIMENT))
    project = classifier_run(tmp_path / "p.llmstudio", folder)
    done = explain(tmp_path, project, "--row", 2, "--run", 1)
    assert done.returncode == 0, done.stderr
    words = [w.text for w in split_words("The service was bad and the food was awful.")]
    assert "explaining label" in done.stderr and f"{len(words) + 1} texts asked" in done.stderr
    assert "how much it moved this model's score" in done.stderr
    printed = done.stdout.splitlines()
    assert printed[0].startswith("row 2, run 1 (sentiment): label")
    assert [line.split()[0] for line in printed[2:]] == words

    done = explain(
        tmp_path, project, "--row", 1, "--run", 1, "--method", "gradients", "--out", "w.csv"
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "w.csv")
    assert (
        list(table.columns) == ["word", "start", "end", "weight"] and table["weight"].notna().all()
    )
    assert "integrated gradients" in done.stderr

    done = explain(tmp_path, project, "--row", 3, "--run", 1, "--out", "w.html")
    assert done.returncode == 1 and "row 3 has no text in column 'text'" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "w.html").exists()
    done = explain(tmp_path, project, "--row", 0, "--run", 1)
    assert done.returncode == 2 and "--row counts from 1" in done.stderr


@pytest.mark.slow
def test_an_api_model_elsewhere_needs_send_and_then_sends_what_was_announced(tmp_path, fake_openai):
    project = api_run(tmp_path / "api.llmstudio", fake_openai.url)
    fake_openai.reset()
    # A proxy in the environment would carry even 127.0.0.1 away: the texts leave the
    # computer, so the command wants --send (core/loopback.py).
    env = dict(cli_env(tmp_path), http_proxy="http://127.0.0.1:9", no_proxy="", NO_PROXY="")
    args = (project, "--row", 4, "--run", 1, "--base-url", fake_openai.url)
    done = explain(tmp_path, *args, env=env)
    assert done.returncode == 2, done.stderr
    assert "nothing was sent" in done.stderr and "add --send" in done.stderr
    assert "texts asked of the model to 127.0.0.1" in done.stderr
    assert fake_openai.total == 0

    done = explain(tmp_path, *args, "--out", "w.html")  # on this computer: no flag needed
    assert done.returncode == 0, done.stderr
    announced = len(split_words("They vote for the party of peace.")) + 1
    assert f"{announced} texts asked" in done.stderr
    assert len(fake_openai.chat_requests()) == announced
    page = (tmp_path / "w.html").read_text("utf-8")
    assert "openai:fake" in page and "<span" in page
