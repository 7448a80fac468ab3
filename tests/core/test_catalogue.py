"""The catalogue of recommended models: the bundled file reads, and a malformed one is an
error naming the entry and the field (never a silently shorter list)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from llmstudio.core.catalogue import TASKS, CatalogueError, catalogue, read_catalogue

ENTRY = """
  - id: org/model
    source: hf
    name: A model
    tasks: [sentiment]
    languages: [en]
    size_bytes: 1000
    license: MIT
"""


def write(tmp_path, body: str):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n" + body, encoding="utf-8")
    return path


def test_the_bundled_catalogue_reads_and_every_entry_is_complete():
    entries = catalogue()
    assert entries
    for e in entries:
        assert e.id and e.name and e.license and e.size_bytes > 0
        assert set(e.tasks) <= set(TASKS)
        assert e.spec.startswith(("hf:", "openai:"))


def test_a_good_entry(tmp_path):
    (e,) = read_catalogue(write(tmp_path, ENTRY))
    assert (e.id, e.spec, e.tasks, e.checked) == (
        "org/model",
        "hf:org/model",
        ("sentiment",),
        False,
    )


@pytest.mark.parametrize(
    "change, says",
    [
        (("size_bytes: 1000", "size_bytes: -1"), "entry 1 (org/model): size_bytes"),
        (("tasks: [sentiment]", "tasks: [mood]"), "entry 1 (org/model): tasks must be"),
        (("source: hf", "source: ftp"), "entry 1 (org/model): source must be"),
        (("license: MIT", "licence: MIT"), "entry 1: missing license"),
        (("name: A model", "name: A model\n    colour: red"), "unknown field(s) colour"),
    ],
)
def test_a_malformed_entry_is_named(tmp_path, change, says):
    with pytest.raises(CatalogueError, match=r".*" + says.replace("(", r"\(").replace(")", r"\)")):
        read_catalogue(write(tmp_path, ENTRY.replace(*change)))


def test_a_model_listed_twice_and_a_file_that_is_not_a_catalogue(tmp_path):
    with pytest.raises(CatalogueError, match="org/model is listed twice"):
        read_catalogue(write(tmp_path, ENTRY + ENTRY))
    path = tmp_path / "other.yaml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="expected a list under 'models:'"):
        read_catalogue(path)


def test_models_list_json_has_the_fields_a_script_needs():
    out = subprocess.run(
        [sys.executable, "-m", "llmstudio", "models", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    entries = json.loads(out)
    assert len(entries) == len(catalogue())
    for e in entries:
        assert {"id", "tasks", "languages", "size_bytes", "license", "checked"} <= set(e)


def test_availability_says_where_each_model_stands(tmp_path):
    from pathlib import Path

    from llmstudio.core.catalogue import BUILTIN_ID, availability
    from llmstudio.core.model_cache import DownloadedModel

    (hub,) = read_catalogue(write(tmp_path, ENTRY))
    (ollama,) = read_catalogue(write(tmp_path, ENTRY.replace("source: hf", "source: ollama")))
    builtin = next(e for e in catalogue() if e.id == BUILTIN_ID)

    def model(complete):
        return DownloadedModel("org/model", "abc", 10, Path("x"), complete)

    assert availability(builtin, []) == "bundled"
    assert availability(ollama, [model(True)]) == "through Ollama"
    assert availability(hub, []) == "not downloaded"
    assert availability(hub, [model(False)]) == "incomplete"
    assert availability(hub, [model(False), model(True)]) == "downloaded"
    assert availability(hub, [model(None)]) == "downloaded"  # no listing: taken as whole
