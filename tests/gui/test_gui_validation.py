"""The validation view: real widgets, real background computation, a real lexicon run."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from llmstudio.core import human_codes as hc
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask
from llmstudio.gui.review.validation_view import ValidationView

TEXTS = [
    "I love this, wonderful!",
    "Terrible service, awful.",
    "The bus comes at nine.",
    "Great park, happy kids.",
    "Horrible noise and dirt.",
    "It is a street.",
    "Best library ever!",
    "I hate the potholes.",
    "Meeting on Tuesday.",
    "Nice, good job.",
]
BOOK = Codebook(codes=(Code("positive"), Code("negative"), Code("neutral")), name="Tone")
ANA = [
    "positive",
    "negative",
    "neutral",
    "positive",
    "negative",
    "neutral",
    "positive",
    "negative",
    "neutral",
    "positive",
]
BEN = [
    "positive",
    "negative",
    "negative",
    "positive",
    None,
    "neutral",
    "neutral",
    "negative",
    "neutral",
    "positive",
]


@pytest.fixture
def project(tmp_path):
    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str")})
    with Project.create(
        tmp_path / "v.llmstudio", Corpus(frame=frame, text_column="text", source="t.csv")
    ) as p:
        p.save_codebook(BOOK)
        for coder, labels in (("ana", ANA), ("ben", BEN)):
            for row, label in enumerate(labels):
                if label:
                    hc.record(p, BOOK, coder, row, [label])
        run_job(p, SentimentTask(), LexiconBackend())
        yield p


def shown(view) -> dict[str, str]:
    return {
        view.stats.item(r, 0).text(): view.stats.item(r, 1).text()
        for r in range(view.stats.rowCount())
    }


def test_two_coders_then_a_model_run_with_a_confusion_cell_opened(qtbot, project, tmp_path):
    view = ValidationView(project)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.stats.rowCount() > 0, timeout=20_000)
    assert view.reference.currentText() == "ana (coder)"
    assert view.comparison.currentText() == "ben (coder)"
    pairs = [(a, b) for a, b in zip(ANA, BEN) if a and b]
    kappa = cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs])
    assert shown(view)["Cohen's kappa"] == f"{kappa:.3f}"
    assert "<b>9</b> rows coded by both" in view.summary.text()
    # ana neutral / ben negative: row 2 (the third text)
    labels = [view.confusion.horizontalHeaderItem(i).text() for i in range(3)]
    assert labels == ["positive", "negative", "neutral"]
    with qtbot.waitSignal(view.sig_show_rows, timeout=5000) as got:
        view.confusion.cellClicked.emit(2, 1)
    assert got.args[0] == [2] and "ana (coder): neutral" in got.args[1]
    assert view.confusion.item(2, 1).text() == "1"

    # the model run as the comparison
    with qtbot.waitSignal(view.sig_computed, timeout=20_000):
        view.select("ana", "run 1")
    agree = shown(view)["Percent agreement (= accuracy)"]
    assert agree != "undefined" and "Accuracy" not in shown(view)  # one number, one name
    total = sum(
        int(view.confusion.item(r, c).text())
        for r in range(view.confusion.rowCount())
        for c in range(view.confusion.columnCount())
    )
    assert total == 10
    qtbot.wait(50)  # let the layout take the new texts' heights before the picture
    out = tmp_path / "validation.png"  # for a look
    assert view.grab().save(str(out))


def test_without_two_sources_it_says_what_is_needed(qtbot, tmp_path):
    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str")})
    with Project.create(
        tmp_path / "e.llmstudio", Corpus(frame=frame, text_column="text", source="t.csv")
    ) as p:
        p.save_codebook(BOOK)
        hc.record(p, BOOK, "ana", 0, ["positive"])
        view = ValidationView(p)
        qtbot.addWidget(view)
        assert "validation needs two coders" in view.summary.text()
        assert view.stats.rowCount() == 0


def test_from_the_menu_a_confusion_cell_opens_its_rows_in_the_table(qtbot, window, tmp_path):
    """Analyse › Validate Codes…; a click on "ana: neutral, ben: negative" leaves that row
    alone in the table with a bar saying so; Show all rows brings every row back."""
    from helpers.gui import make_project, open_project

    frame = pd.DataFrame({"id": [str(i) for i in range(len(TEXTS))], "text": TEXTS})
    path = make_project(tmp_path / "menu.llmstudio", frame)
    with Project.open(path) as p:
        p.save_codebook(BOOK)
        for coder, labels in (("ana", ANA), ("ben", BEN)):
            for row, label in enumerate(labels):
                if label:
                    hc.record(p, BOOK, coder, row, [label])
    open_project(qtbot, window, path)
    window.review.act_validate.trigger()
    view = window.review.validation
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.stats.rowCount() > 0, timeout=20_000)
    view.confusion.cellClicked.emit(2, 1)  # ana neutral, ben negative: row 2
    assert window.model.rowCount() == 1 and window.model.row_id(0) == 2
    assert window.subset_bar.isVisible()
    assert "Showing 1 row: ana (coder): neutral" in window.subset_label.text()
    # a search still works within those rows, and Show all rows ends the subset
    window.subset_clear.click()
    assert window.model.rowCount() == len(TEXTS) and not window.subset_bar.isVisible()


def test_all_coders_together(qtbot, project):
    for row, label in enumerate(["positive", "negative", "neutral", "neutral", "negative"]):
        hc.record(project, BOOK, "cara", row, [label])
    view = ValidationView(project)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.stats.rowCount() > 0, timeout=20_000)
    with qtbot.waitSignal(view.sig_computed, timeout=20_000):
        view.select("ana", "all 3 coders")
    names = set(shown(view))
    assert {
        "Krippendorff's alpha (nominal)",
        "Fleiss' kappa (rows every coder coded)",
        "Cohen's kappa, ana / cara",
    } <= names and "Accuracy" not in names
    assert "at least two of 3 coders" in view.summary.text()
    assert view.confusion.rowCount() == 0 and "two sources" in view.matrix_title.text()
