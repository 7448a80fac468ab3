"""Learn from my codes: the real builtin model reads the corpus in the background, the
learning curve and Suggest next follow the human codes, Code the rest runs a real job."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project
from llmstudio.gui.review import learn_panel
from llmstudio.gui.review.learn_panel import LearnPanel

from helpers.gui import make_project, open_project, wait_job

SPORT = [
    "The striker scored twice in the final.",
    "The team won the league title.",
    "A record crowd watched the tennis match.",
    "The coach praised his defenders.",
    "She won gold in the 100 metres.",
    "The match went to penalties.",
    "The goalkeeper saved a late penalty.",
    "Fans cheered the cycling champion.",
]
MONEY = [
    "Interest rates rose by half a point.",
    "Shares fell after the profit warning.",
    "The bank cut its growth forecast.",
    "Inflation hit a ten-year high.",
    "The company's revenue doubled this quarter.",
    "Bond yields climbed again.",
    "The central bank held rates steady.",
    "Oil prices pushed the index lower.",
]
BOOK = Codebook(codes=(Code("Sport"), Code("Economy")), name="Topic")


@pytest.fixture
def coded(tmp_path):
    texts = [t for pair in zip(SPORT, MONEY) for t in pair]  # alternating topics
    frame = pd.DataFrame({"id": [str(i) for i in range(len(texts))], "text": texts})
    path = make_project(tmp_path / "learn.llmstudio", frame)
    with Project.open(path) as project:
        project.save_codebook(BOOK)
        for row in range(10):  # the first 10 rows coded, the rest not
            hc.record(project, BOOK, "ana", row, ["Sport" if row % 2 == 0 else "Economy"])
    learn_panel._FEATURES.clear()
    return path


def test_curve_suggestions_and_coding_the_rest(qtbot, window, coded, tmp_path):
    open_project(qtbot, window, coded)
    panel = LearnPanel(window, "Topic", "ana")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel._x is not None, timeout=120_000)
    qtbot.waitUntil(lambda: "codes, a classifier" in panel.summary.text(), timeout=20_000)
    xs, ys = panel.curve.getData()
    assert list(xs) == [10.0] and ys[0] >= 0.9  # two clear topics: learnt from 10 codes
    assert "10</b> codes" in panel.summary.text()
    qtbot.wait(50)
    assert panel.grab().save(str(tmp_path / "learn.png"))

    with qtbot.waitSignal(panel.sig_suggested) as got:
        panel.suggest()
    assert sorted(got.args[0]) == list(range(10, 16))  # every uncoded row, none coded

    job = panel.code_rest()
    wait_job(qtbot, job, timeout=300_000)
    labels = window.model.result("code_label")
    truth = ["Sport" if i % 2 == 0 else "Economy" for i in range(16)]
    assert sum(a == b for a, b in zip(labels, truth)) >= 14
    with Project.open(coded) as project:
        params = project.db.execute("SELECT params FROM runs ORDER BY id DESC").fetchone()[0]
    assert "The striker scored twice" in params  # the human codes were the examples


def test_no_codes_says_what_to_do(qtbot, window, coded):
    open_project(qtbot, window, coded)
    learn_panel._FEATURES[
        (str(window.project.path), window.corpus.text_column, window.corpus.rows)
    ] = __import__("numpy").eye(16)
    panel = LearnPanel(window, "Topic", "nobody")
    qtbot.addWidget(panel)
    panel.coder.clear()
    panel.update_curve()
    assert "code some rows by hand first" in panel.summary.text()


def test_suggested_rows_become_the_coding_panels_order(qtbot, window, coded):
    open_project(qtbot, window, coded)
    window.coding.dock.show()
    window.coding.codebook_box.setCurrentText("Topic")
    window.coding.coder_edit.setText("ana")
    window.coding.coder_edit.editingFinished.emit()
    window.coding.set_filter("suggested")
    assert "No suggestions yet" in window.coding.message
    window.review.act_learn.trigger()
    panel = window.review.learn
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel._x is not None, timeout=120_000)
    order = panel.suggest()
    assert window.coding.which == "suggested" and window.coding.rows == order
    assert window.coding.row_id == order[0]


def test_the_curve_follows_new_codes(qtbot, window, coded):
    """Coding more rows in the panel while Learn is open moves the curve on by itself."""
    open_project(qtbot, window, coded)
    coding = window.coding
    coding.dock.show()
    coding.codebook_box.setCurrentText("Topic")
    coding.coder_edit.setText("ana")
    coding.coder_edit.editingFinished.emit()
    window.review.act_learn.trigger()
    panel = window.review.learn
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: "10</b> codes" in panel.summary.text(), timeout=120_000)
    coding.set_filter("uncoded")
    for _ in range(2):
        coding.press("Sport" if coding.row_id % 2 == 0 else "Economy")
    qtbot.waitUntil(lambda: "12</b> codes" in panel.summary.text(), timeout=10_000)


def test_a_multi_label_codebook_is_learnt_code_by_code(qtbot, window, coded):
    multi = Codebook(codes=BOOK.codes, name="Topics (several)", multi_label=True)
    with Project.open(coded) as project:
        project.save_codebook(multi)
        for row in range(10):
            hc.record(project, multi, "ana", row, ["Sport"] if row % 2 == 0 else ["Economy"])
        hc.record(project, multi, "ana", 10, ["none"])  # read: neither applies
    open_project(qtbot, window, coded)
    panel = LearnPanel(window, multi.name, "ana")
    qtbot.addWidget(panel)
    panel.show()
    assert panel.code.isVisibleTo(panel)
    assert [panel.code.itemText(i) for i in range(panel.code.count())] == ["Sport", "Economy"]
    qtbot.waitUntil(lambda: panel._x is not None, timeout=120_000)
    qtbot.waitUntil(lambda: "whether “Sport” applies" in panel.summary.text(), timeout=20_000)
    rows, labels, classes = panel._codes()
    assert rows == list(range(11)) and classes == ["applies", "does not apply"]
    assert labels == ["applies" if r % 2 == 0 and r < 10 else "does not apply" for r in range(11)]
    xs, ys = panel.curve.getData()
    assert xs[-1] == 11.0 and ys[-1] >= 0.8
    panel.code.setCurrentText("Economy")
    assert "whether “Economy” applies" in panel.summary.text()

    job = panel.code_rest()
    wait_job(qtbot, job, timeout=300_000)
    sport = window.model.result("code_sport")
    assert sum(int(sport[i]) == (1 if i % 2 == 0 else 0) for i in range(11, 16)) >= 4
    with Project.open(coded) as project:
        params = project.db.execute("SELECT params FROM runs ORDER BY id DESC").fetchone()[0]
    assert '"multi_label": true' in params.replace(" ", "").replace('":true', '": true')


def test_single_label_codebooks_hide_the_code_choice(qtbot, window, coded):
    open_project(qtbot, window, coded)
    panel = LearnPanel(window, "Topic", "ana")
    qtbot.addWidget(panel)
    assert not panel.code.isVisibleTo(panel)


def _model_loads(monkeypatch) -> list[int]:
    """Each time the Learn panel's classifier loads the builtin model (it does so only
    when a text has no stored vector)."""
    from llmstudio.core.embedding.classifier import EmbeddingClassifier

    loads: list[int] = []
    real = EmbeddingClassifier.from_model_dir.__func__

    def counted(cls, *args, **kwargs):
        loads.append(1)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(EmbeddingClassifier, "from_model_dir", classmethod(counted))
    return loads


def _stored_uses(path) -> list[tuple]:
    with Project.open(path) as project:
        return project.db.execute(
            "SELECT run_id, reused, computed FROM embedding_uses ORDER BY id"
        ).fetchall()


def test_the_panel_keeps_its_reading_in_the_project(qtbot, window, coded, monkeypatch, tmp_path):
    loads = _model_loads(monkeypatch)
    open_project(qtbot, window, coded)
    first = LearnPanel(window, "Topic", "ana")
    qtbot.addWidget(first)
    qtbot.waitUntil(lambda: first._x is not None, timeout=120_000)
    assert loads == [1] and _stored_uses(coded) == [(None, 0, 16)]
    first.close()

    learn_panel._FEATURES.clear()  # a new session: only the project remembers
    again = LearnPanel(window, "Topic", "ana")
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again._x is not None, timeout=60_000)
    assert loads == [1]  # the model was not even loaded
    assert np.array_equal(again._x, first._x)
    assert _stored_uses(coded)[-1] == (None, 16, 0)
    qtbot.waitUntil(lambda: "10</b> codes" in again.summary.text(), timeout=20_000)
    assert again.grab().save(str(tmp_path / "learn_again.png"))


def test_the_panel_reads_what_a_run_of_the_builtin_model_kept(qtbot, window, coded, monkeypatch):
    from llmstudio.core.backends import make_backend
    from llmstudio.core.runner import run_job
    from llmstudio.core.tasks import CodeTask

    with Project.open(coded) as project:
        result = run_job(project, CodeTask(codebook=BOOK), make_backend("builtin"))
    assert result.status == "done"
    loads = _model_loads(monkeypatch)
    open_project(qtbot, window, coded)
    panel = LearnPanel(window, "Topic", "ana")
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel._x is not None, timeout=60_000)
    assert loads == []
    assert _stored_uses(coded) == [(result.run_id, 0, 16), (None, 16, 0)]
