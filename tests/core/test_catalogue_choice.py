"""The bundled catalogue covers the roles a researcher needs (issue 17 item 1), every
quality number carries its source, and the default model for a task
is the best one downloaded, else the builtin with its measured numbers (item 4)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from llmstudio.core.catalogue import (
    BUILTIN_ID,
    CatalogueEntry,
    builtin_note,
    catalogue,
    default_model,
)

from helpers.hf_cache import put_in_hf_cache

SOCIAL = "cardiffnlp/twitter-roberta-base-sentiment-latest"
PROSE = "siebert/sentiment-roberta-large-english"  # no neutral class
MULTI_SENTIMENT = "cardiffnlp/twitter-xlm-roberta-base-sentiment"
NLI_EN = "MoritzLaurer/deberta-v3-base-zeroshot-v2.0"
NLI_MULTI = "MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7"
MPNET = "sentence-transformers/all-mpnet-base-v2"


def english(e: CatalogueEntry) -> bool:
    return e.languages == ("en",)


def multilingual(e: CatalogueEntry) -> bool:
    return "multilingual" in e.languages or len(e.languages) > 3


def says(e: CatalogueEntry, *words: str) -> bool:
    text = f"{e.name} {e.good_at}".lower()
    return any(w in text for w in words)


# The roles the issue names, each a test of an entry's own fields (not of its id).
ROLES = {
    "English sentiment for social media": lambda e: (
        "sentiment" in e.tasks and english(e) and says(e, "social media", "tweet")
    ),
    "multilingual sentiment": lambda e: "sentiment" in e.tasks and multilingual(e),
    "sentiment for edited prose": lambda e: (
        "sentiment" in e.tasks and english(e) and says(e, "prose", "reviews")
    ),
    "English zero-shot (NLI) coding": lambda e: "zero-shot" in e.tasks and english(e),
    "multilingual zero-shot (NLI) coding": lambda e: "zero-shot" in e.tasks and multilingual(e),
    "larger English embeddings for the builtin method": lambda e: (
        "embeddings" in e.tasks and english(e) and e.id != BUILTIN_ID
    ),
    "multilingual embeddings for the builtin method": lambda e: (
        "embeddings" in e.tasks and multilingual(e)
    ),
    "the builtin model": lambda e: e.id == BUILTIN_ID,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_bundled_catalogue_has_a_model_for_each_role(role):
    assert [e.id for e in catalogue() if ROLES[role](e)], f"no entry for {role}"


def test_two_open_instruct_llms_for_a_laptop_through_ollama():
    llms = [e for e in catalogue() if e.source == "ollama" and "generative" in e.tasks]
    assert len(llms) >= 2
    assert all(e.size_bytes < 5e9 for e in llms)  # sized for a laptop


def test_every_quality_number_has_its_source():
    assert [e for e in catalogue() if e.checked and e.quality]
    for e in catalogue():
        for q in e.quality:
            assert 0 < q.value <= 1 and q.dataset
            assert q.source.startswith(("https://", "measured: benchmarks/RESULTS.md")), q


def test_measured_numbers_are_those_in_results_md():
    from llmstudio.core.paths import resources_dir

    results = (resources_dir().parents[1] / "benchmarks" / "RESULTS.md").read_text("utf-8")
    for e in catalogue():
        for q in e.quality:
            if q.source.startswith("measured"):
                assert f"{q.value:.1%}" in results, (e.id, q)


@pytest.mark.parametrize(
    "task, installed, spec",
    [
        ("sentiment", {SOCIAL}, f"hf:{SOCIAL}"),
        ("sentiment", {PROSE, SOCIAL}, f"hf:{SOCIAL}"),  # the catalogue's order: best first
        ("sentiment", {PROSE}, f"hf:{PROSE}"),
        ("sentiment", {PROSE, MULTI_SENTIMENT}, f"hf:{MULTI_SENTIMENT}"),  # 3 classes first
        ("sentiment", {MPNET, NLI_EN}, "builtin"),  # no sentiment classifier downloaded
        ("code", {MPNET, NLI_MULTI}, f"hf:{NLI_MULTI}"),  # zero-shot before embeddings
        ("code", {MPNET, SOCIAL}, f"hf:{MPNET}"),
        ("code", {BUILTIN_ID}, "builtin"),  # the builtin in the cache is still the builtin
        ("prompt", {SOCIAL, NLI_EN}, "builtin"),  # no default writes text
    ],
)
def test_the_default_is_the_best_downloaded_model(task, installed, spec):
    assert default_model(task, installed=installed).spec == spec


def test_a_default_with_no_neutral_class_says_so():
    chosen = default_model("sentiment", installed={PROSE})
    assert chosen.note.startswith("It has no neutral class: it calls every text positive")
    assert default_model("sentiment", installed={SOCIAL}).note == ""
    assert [e.labels for e in catalogue() if e.id in (PROSE, SOCIAL)] == [
        ("negative", "neutral", "positive"),
        ("negative", "positive"),
    ]


def test_without_a_download_sentiment_gets_the_builtin_and_its_measured_numbers():
    chosen = default_model("sentiment", installed=set())
    assert (chosen.spec, chosen.entry) == ("builtin", None)
    assert chosen.note == builtin_note()
    assert "71.7%" in chosen.note and "76.5%" in chosen.note
    assert "measured: benchmarks/RESULTS.md" in chosen.note
    assert default_model("code", installed=set()).note == ""  # MiniLM codes topics well


def test_the_default_reads_the_hugging_face_cache(hf_cache, tmp_path):
    assert default_model("sentiment").spec == "builtin"  # the test's cache is empty
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    put_in_hf_cache(hf_cache, SOCIAL, folder)
    assert default_model("sentiment").spec == f"hf:{SOCIAL}"


def test_models_list_says_what_is_downloaded(hf_cache, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    put_in_hf_cache(hf_cache, SOCIAL, folder)
    run = [sys.executable, "-m", "llmstudio", "models", "list"]
    entries = json.loads(subprocess.run([*run, "--json"], capture_output=True, check=True).stdout)
    state = {e["id"]: e["downloaded"] for e in entries}
    assert state[SOCIAL] is True and state[PROSE] is False
    assert state[BUILTIN_ID] is True  # bundled
    assert state["llama3.2:3b"] is None  # Ollama keeps its own list
    text = subprocess.run(
        [*run, "--task", "sentiment"], capture_output=True, text=True, check=True
    ).stdout
    assert f"hf:{SOCIAL}  (downloaded)" in text and f"hf:{PROSE}  (not downloaded)" in text
    assert "zeroshot" not in text  # --task: only the sentiment models
