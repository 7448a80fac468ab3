"""The run dialog's model follows what is downloaded (issue 17 item 4): the best catalogue
model in the Hugging Face cache for the task, else the builtin with its measured numbers
and where to get a better one."""

from __future__ import annotations

import pytest

from llmstudio.gui.runs.run_dialog import RunDialog

from helpers.hf_cache import put_in_hf_cache

SENTIMENT = "cardiffnlp/twitter-roberta-base-sentiment-latest"
ZERO_SHOT = "MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7"
BINARY = "siebert/sentiment-roberta-large-english"  # no neutral class
MULTI = "cardiffnlp/twitter-xlm-roberta-base-sentiment"  # negative, neutral, positive


@pytest.fixture
def downloaded(hf_cache, tmp_path):
    """``downloaded(hub_id)`` puts a model (its config.json) in the test's HF cache."""

    def put(hub_id: str) -> None:
        folder = tmp_path / hub_id.replace("/", "--")
        folder.mkdir()
        (folder / "config.json").write_text('{"model_type": "bert"}', encoding="utf-8")
        put_in_hf_cache(hf_cache, hub_id, folder)

    return put


def open_dialog(qtbot) -> RunDialog:
    dialog = RunDialog("text", 10)
    qtbot.addWidget(dialog)
    return dialog


def test_without_a_download_sentiment_runs_on_the_builtin_with_its_numbers(qtbot, tmp_path):
    dialog = open_dialog(qtbot)
    assert dialog.form().model == "builtin"
    note = dialog.note.text()
    # The numbers come from the catalogue, and say where they were measured.
    assert "71.7%" in note and "76.5%" in note and "measured" in note
    assert "Get models" in note
    dialog.resize(640, dialog.sizeHint().height())
    dialog.grab().save(str(tmp_path / "run_dialog_builtin_note.png"))


def test_a_downloaded_sentiment_model_is_the_default(qtbot, downloaded):
    downloaded(SENTIMENT)
    dialog = open_dialog(qtbot)
    assert dialog.form().model == f"hf:{SENTIMENT}"
    note = dialog.note.text()  # what the catalogue says of it, not the builtin's numbers
    assert "71.7%" not in note and "Twitter RoBERTa" in note and "Not good at:" in note
    assert "Unchecked" in note  # its size and licence were not confirmed on its own page
    dialog.set_task("code")  # no coding model downloaded: the builtin
    assert dialog.form().model == "builtin"
    dialog.set_task("sentiment")
    assert dialog.form().model == f"hf:{SENTIMENT}"
    dialog.set_model("hf:sentence-transformers/all-mpnet-base-v2")  # a checked entry
    assert "MPNet" in dialog.note.text() and "Unchecked" not in dialog.note.text()


def test_coding_prefers_a_zero_shot_model_and_a_model_picked_by_hand_stays(qtbot, downloaded):
    downloaded(SENTIMENT)
    downloaded(ZERO_SHOT)
    dialog = open_dialog(qtbot)
    dialog.set_task("code")
    assert dialog.form().model == f"hf:{ZERO_SHOT}"
    dialog.set_model("lexicon")  # the user's choice
    dialog.set_task("sentiment")
    assert dialog.form().model == "lexicon"


def test_a_model_with_no_neutral_class_is_the_default_only_alone_and_says_so(
    qtbot, downloaded, tmp_path
):
    downloaded(BINARY)
    dialog = open_dialog(qtbot)
    assert dialog.form().model == f"hf:{BINARY}"
    assert "(RoBERTa-large). It has no neutral class: it calls every text positive" in (
        dialog.note.text()
    )
    dialog.resize(640, dialog.sizeHint().height())
    dialog.grab().save(str(tmp_path / "run_dialog_no_neutral.png"))
    dialog.set_task("code")  # a sentiment model's classes say nothing of coding
    assert "no neutral class" not in dialog.note.text()

    downloaded(MULTI)  # a 3-class model comes first, though later in the catalogue
    again = open_dialog(qtbot)
    assert again.form().model == f"hf:{MULTI}"
    assert "no neutral class" not in again.note.text()
