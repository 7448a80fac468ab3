"""The ``llmstudio`` command's entry point (llmstudio/launch.py): it reads the model and
runtime of an ``annotate`` command line as the command's own parser does, and an annotate
of a model already converted for ONNX Runtime runs on the session begun before the
command's modules were imported."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from llmstudio.cli import parsers
from llmstudio.launch import early_model, main

CASES = [
    ["annotate", "t.csv", "--model", "hf:/m", "--runtime", "onnx"],
    ["annotate", "t.csv", "--model=hf:/m", "--runtime=onnx-int8"],
    ["annotate", "t.csv", "--model", "builtin"],
    ["annotate", "t.csv", "--model", "hf:/a", "--model", "hf:/b"],  # the last one counts
    ["annotate", "t.csv", "--runtime", "torch", "--model", "openai:gpt-4o-mini"],
    ["annotate", "t.csv", "--task", "code", "--labels", "a,b", "--model", "lexicon"],
    ["annotate", "t.csv"],  # the default model, chosen from the downloads
    ["annotate", "t.csv", "--task=prompt", "--prompt", "Say {text}"],
]


@pytest.mark.parametrize("argv", CASES)
def test_it_reads_the_model_runtime_and_task_as_the_annotate_parser_does(argv):
    args = parsers()["annotate"].parse_args(argv[1:])
    assert early_model(argv) == (args.model, args.runtime, args.task)


def test_other_commands_and_broken_lines_name_no_model():
    assert early_model([]) is None
    assert early_model(["inspect", "t.csv", "--model", "hf:/m"]) is None
    assert early_model(["annotate", "t.csv", "--model"])[0] is None  # the parser says why
    assert early_model(["annotate", "--", "--model", "hf:/m"])[0] is None


@pytest.mark.slow  # exports a tiny classifier
def test_an_annotate_runs_on_the_session_begun_early(tmp_path, onnx_sessions_made):
    import models  # tests/models.py

    model = models.build_classifier(tmp_path / "clf", ["negative", "positive"], seed=1)
    texts = tmp_path / "texts.csv"
    texts.write_text("text\nI love it\nI hate it\nThe bus is late\n", encoding="utf-8")
    run = ["annotate", str(texts), "--model", f"hf:{model}", "--runtime", "onnx"]
    assert main([*run, "--out", str(tmp_path / "first.csv")]) == 0  # exports it
    onnx_sessions_made.clear()
    assert main([*run, "--out", str(tmp_path / "out.csv")]) == 0
    assert onnx_sessions_made == ["llmstudio-session"]
    with (
        (tmp_path / "first.csv").open(encoding="utf-8") as a,
        (tmp_path / "out.csv").open(encoding="utf-8") as b,
    ):
        first, out = list(csv.DictReader(a)), list(csv.DictReader(b))
    assert len(out) == 3 and all(r["sentiment_label"] in ("negative", "positive") for r in out)
    assert out == first


SPY = """
import json, sys, threading
seen = []
class Spy:
    def find_spec(self, name, path=None, target=None):
        if threading.current_thread() is not threading.main_thread():
            seen.append(name)
sys.meta_path.insert(0, Spy())
from llmstudio.core.backends.onnx_runtime import sessions
made, new = [], sessions._new_session
def making(*args):
    made.append(threading.current_thread().name)
    return new(*args)
sessions._new_session = making
from llmstudio.launch import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "made": made, "imported": seen}))
"""


@pytest.mark.slow  # exports a tiny classifier, then a new process
def test_the_thread_that_begins_the_session_imports_nothing(tmp_path):
    """Two threads importing at once is how a partly imported module is met ("partially
    initialized module"): the session's thread must find all it needs imported."""
    import json

    import models  # tests/models.py

    model = models.build_classifier(tmp_path / "clf", ["negative", "positive"], seed=1)
    texts = tmp_path / "texts.csv"
    texts.write_text("text\nI love it\nI hate it\n", encoding="utf-8")
    run = ["annotate", str(texts), "--model", f"hf:{model}", "--runtime", "onnx"]
    assert main([*run, "--out", str(tmp_path / "first.csv")]) == 0  # exports it
    done = subprocess.run(
        [sys.executable, "-c", SPY, *run, "--out", str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["code"] == 0 and got["made"] == ["llmstudio-session"]
    assert got["imported"] == []
