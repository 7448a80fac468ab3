"""The ``llmstudio`` command's entry point (llmstudio/launch.py): it reads the model and
runtime of an ``annotate`` command line as the command's own parser does, and an annotate
of a model already converted for ONNX Runtime runs on the session begun before the
command's modules were imported (run as users run it: in a new process)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from llmstudio.cli import parsers
from llmstudio.launch import early_model

from cli_process import cli_env

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
def test_an_annotate_runs_on_the_session_begun_early_whose_thread_imports_nothing(
    tmp_path, annotate_cli
):
    """The second run of a converted model takes the session begun in its own thread, and
    answers as the first. That thread imports no module: two threads importing at once is
    how a partly imported module is met ("partially initialized module")."""
    import models  # tests/models.py

    model = models.build_classifier(tmp_path / "clf", ["negative", "positive"], seed=1)
    texts = tmp_path / "texts.csv"
    texts.write_text("text\nI love it\nI hate it\nThe bus is late\n", encoding="utf-8")
    run = [str(texts), "--model", f"hf:{model}", "--runtime", "onnx"]
    first, _ = annotate_cli(*run, "--out", tmp_path / "first.csv", timeout=180)  # converts
    assert first.returncode == 0, first.stderr
    done = subprocess.run(
        [sys.executable, "-c", SPY, "annotate", *run, "--out", str(tmp_path / "out.csv")],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["code"] == 0 and got["made"] == ["llmstudio-session"]
    assert got["imported"] == []
    with (tmp_path / "first.csv").open(encoding="utf-8") as a:
        want = list(csv.DictReader(a))
    with (tmp_path / "out.csv").open(encoding="utf-8") as b:
        out = list(csv.DictReader(b))
    assert len(out) == 3 and all(r["sentiment_label"] in ("negative", "positive") for r in out)
    assert out == want
