"""The run dialog's tasks (sentiment, codebook coding, custom prompt) through to the table:
real widgets, real workers, the lexicon backend and the fake OpenAI-compatible server.
Also: few-shot examples (sentiment and code: one row, re-read when the labels change),
Show request, Try on 5 rows (and no second request for those rows), problems shown before
Run, and consent naming a prompt's extra columns."""

from __future__ import annotations

import html
import json

import pandas as pd
import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton

from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project
from llmstudio.gui.runs.run_dialog import RunDialog

from helpers.gui import consent, make_project, open_project, sample_frame, wait_job

ROWS = 12
BOOK = Codebook(
    codes=(
        Code("Housing", "Rents, house prices, homelessness"),
        Code("Transport", "Buses, trains, roads, potholes"),
        Code("Health", "Hospitals, doctors, waiting lists"),
    ),
    name="Local issues",
)
MULTI = Codebook(codes=BOOK.codes, name="Issues (multi)", multi_label=True)


@pytest.fixture
def project_path(tmp_path):
    frame = sample_frame().head(ROWS).copy()
    frame["group"] = ["women" if i % 2 else "men" for i in range(len(frame))]
    path = make_project(tmp_path / "tasks.llmstudio", frame)
    with Project.open(path) as project:
        project.save_codebook(BOOK)
        project.save_codebook(MULTI)
    return path


@pytest.fixture
def opened(qtbot, window, project_path):
    open_project(qtbot, window, project_path)
    return window


def dialog_for(qtbot, window) -> RunDialog:
    """The run dialog as Analyse › Run model makes it, shown but not modal."""
    w = window
    dialog = RunDialog(
        w.corpus.text_column,
        w.corpus.rows,
        w,
        project=w.project,
        frame=w.corpus.frame,
        consent=lambda spec, rows: w.runs.consent(spec, rows),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def run_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def run_from(qtbot, window, monkeypatch, fill) -> object:
    """Analyse › Run model with the dialog filled by ``fill(dialog)``; the job, finished."""

    def exec_(dialog):
        fill(dialog)
        assert not dialog.problem(), dialog.problem()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(RunDialog, "exec", exec_)
    window.runs.act_run.trigger()
    job = window.runs.jobs[-1]
    wait_job(qtbot, job)
    return job


def column(window, name):
    return list(window.model.result(name))


# -- each task kind, dialog to table -----------------------------------------------------


def test_sentiment_five_point_with_lexicon_baseline(qtbot, opened, monkeypatch):
    def fill(d):
        d.set_model("lexicon")
        d.scale.setCurrentIndex(1)  # 5-point
        d.baseline.setChecked(True)

    job = run_from(qtbot, opened, monkeypatch, fill)
    assert job.spec.task().labels == (
        "very negative",
        "negative",
        "neutral",
        "positive",
        "very positive",
    )
    names = opened.model.result_names
    assert names[:6] == [
        "sentiment_label",
        "sentiment_score",
        "sentiment_valence",
        "sentiment_lexicon",
        "sentiment_chunks",
        "sentiment_error",
    ]
    assert all(v is not None for v in column(opened, "sentiment_lexicon"))


def test_own_labels_switch_the_scale_to_own(qtbot, opened):
    d = dialog_for(qtbot, opened)
    d.labels.setText("")
    qtbot.keyClicks(d.labels, "happy, sad")
    assert d.scale.currentIndex() == 2 and d.spec().task().labels == ("happy", "sad")
    d.scale.setCurrentIndex(0)
    assert d.labels.text() == "positive, negative, neutral"


def test_code_task_single_label_from_the_fake_api_fills_the_table(
    qtbot, opened, monkeypatch, fake_openai
):
    consent(monkeypatch)

    def fill(d):
        d.set_task("code")
        d.codebook.setCurrentText("Local issues")
        d.set_model("openai:fake", fake_openai.url)
        assert "Single-label" in d.codebook_info.text()

    job = run_from(qtbot, opened, monkeypatch, fill)
    assert job.spec.task_name == "code"
    labels = column(opened, "code_label")
    assert set(labels) <= {"Housing", "Transport", "Health"} and None not in labels
    assert opened.runs.panel.cell_text(job, 0) == "Coding"
    # The codebook went into the prompt.
    system = fake_openai.chat_requests()[0].body["messages"][0]["content"]
    assert "Rents, house prices" in system


def test_multi_label_codes_show_as_a_list_in_the_detail_pane(
    qtbot, opened, monkeypatch, fake_openai
):
    consent(monkeypatch)

    def fill(d):
        d.set_task("code")
        d.codebook.setCurrentText("Issues (multi)")
        d.set_model("openai:fake", fake_openai.url)
        assert "Multi-label" in d.codebook_info.text()

    run_from(qtbot, opened, monkeypatch, fill)
    names = opened.model.result_names
    assert {"code_housing", "code_housing_score", "code_transport", "code_health"} <= set(names)
    applied = [
        c
        for c in ("Housing", "Transport", "Health")
        if opened.model.result(f"code_{c.lower()}")[0] == 1
    ]
    assert applied

    def codes_shown():
        opened.goto_row(0)
        shown = opened.detail.results_text()
        assert "codes: " in shown, shown
        return shown.split("codes: ", 1)[1].splitlines()[0]

    # The codes as the codebook writes them, not the columns' slugs ("housing").
    assert [c.split(" (")[0] for c in codes_shown().split(", ")] == applied
    # The same once the project is opened again (the run's stored codebook names them).
    path = opened.project.path
    with qtbot.waitSignal(opened.runs.sig_results_shown, timeout=20_000):
        opened.open_path(path)
    assert [c.split(" (")[0] for c in codes_shown().split(", ")] == applied


def test_prompt_task_with_a_column_placeholder(qtbot, opened, monkeypatch, fake_openai):
    shown = consent(monkeypatch)

    def fill(d):
        d.set_task("prompt")
        d.template.setPlainText("Summarise what a {group} respondent says: {text}")
        d.system.setText("Be brief.")
        d.set_model("openai:fake", fake_openai.url)

    run_from(qtbot, opened, monkeypatch, fill)
    # Consent named the extra column the prompt sends.
    [text] = shown
    assert "<b>text</b> (the text column)" in text and "<b>group</b>" in text
    assert opened.project.has_consent(fake_openai.netloc, ["text", "group"])
    outputs = column(opened, "prompt_output")
    assert all(isinstance(o, str) and o.startswith("Answer about:") for o in outputs)
    body = fake_openai.chat_requests()[0].body
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert "respondent says:" in body["messages"][1]["content"]
    opened.goto_row(0)
    assert "output: Answer about:" in opened.detail.results_text()


# -- problems before Run -----------------------------------------------------------------


def test_explain_and_prompt_with_the_lexicon_are_flagged_before_run(qtbot, opened):
    d = dialog_for(qtbot, opened)
    d.set_model("lexicon")
    assert not d.problem()
    d.explain.setChecked(True)
    assert "cannot explain" in d.problem() and not run_button(d).isEnabled()
    assert "cannot explain" in d.note.text()
    d.explain.setChecked(False)
    d.set_task("prompt")
    assert "cannot answer a custom prompt" in d.problem() and not run_button(d).isEnabled()
    d.set_model("builtin")
    assert "cannot answer a custom prompt" in d.problem()
    d.set_task("code")
    d.set_model("lexicon")
    assert "sentiment only" in d.problem()
    d.set_model("openai:gpt-4o-mini")
    assert not d.problem() and run_button(d).isEnabled()


def test_a_classifier_folder_cannot_explain(qtbot, opened, tmp_path):
    folder = tmp_path / "clf"
    folder.mkdir()
    (folder / "config.json").write_text('{"architectures": ["BertForSequenceClassification"]}')
    d = dialog_for(qtbot, opened)
    d.set_model(f"hf:{folder}")
    assert not d.problem()
    d.explain.setChecked(True)
    assert "cannot explain" in d.problem()


def test_unknown_placeholder_is_flagged_inline(qtbot, opened):
    d = dialog_for(qtbot, opened)
    d.set_task("prompt")
    d.set_model("openai:gpt-4o-mini")
    d.template.setPlainText("Rewrite {text} for {gruop}")
    assert "{gruop} is not a column" in d.problem()
    assert "gruop" in d.template_status.text() and not run_button(d).isEnabled()
    assert "{group}" in d.prompt_help.text()  # the help lists the columns
    d.template.setPlainText("Rewrite {text} for {group}")
    assert not d.problem() and "text, group" in d.template_status.text()
    d.template.setPlainText("Rewrite {text")
    assert d.problem()


def test_code_without_codebook_and_bad_examples(qtbot, opened, tmp_path):
    d = dialog_for(qtbot, opened)
    d.set_task("code")
    d.set_model("openai:gpt-4o-mini")
    d.codebook.setCurrentText("Local issues")
    good = tmp_path / "ex.csv"
    pd.DataFrame({"text": ["Rents are mad", "Bus late"], "label": ["housing", "Transport"]}).to_csv(
        good, index=False
    )
    d.set_examples_file(good)
    assert "2 examples read from ex.csv" in d.examples_info.text() and not d.problem()
    assert d.spec().task().examples == (("Rents are mad", "Housing"), ("Bus late", "Transport"))
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"text": ["x"], "label": ["Crime"]}).to_csv(bad, index=False)
    d.set_examples_file(bad)
    assert "Crime" in d.examples_info.text() and "row 1" in d.examples_info.text()
    assert "examples file" in d.problem()
    d.set_examples_file(None)
    assert not d.problem()


# -- few-shot examples for sentiment (and the one examples row) --------------------------

RED = "#c62828"


def info(dialog) -> str:
    """The examples row's message, as the researcher reads it (rich text, unescaped)."""
    return html.unescape(dialog.examples_info.text())


def write_examples(path, labels, texts=None):
    texts = texts or [f"Example text number {i}" for i in range(1, len(labels) + 1)]
    pd.DataFrame({"text": texts, "label": labels}).to_csv(path, index=False)
    return path


def test_sentiment_examples_are_sent_before_each_text_and_stored_with_the_run(
    qtbot, opened, monkeypatch, fake_openai, tmp_path
):
    consent(monkeypatch)
    # Written as researchers write them: other case, a synonym ("neg").
    examples = write_examples(
        tmp_path / "sent.csv",
        ["Positive", "neg"],
        ["What a lovely new park", "The bins were not collected again"],
    )

    def fill(d):
        d.set_model("openai:fake", fake_openai.url)
        d.set_examples_file(examples)
        assert "2 examples read from sent.csv" in d.examples_info.text()
        assert d.examples_row.isVisibleTo(d)

    job = run_from(qtbot, opened, monkeypatch, fill)
    expected = (
        ("What a lovely new park", "positive"),
        ("The bins were not collected again", "negative"),
    )
    assert job.spec.task_name == "sentiment" and job.spec.task().examples == expected
    requests = fake_openai.chat_requests()
    assert len(requests) == ROWS
    for request in requests:
        messages = request.body["messages"]
        # system, then each example as a user turn answered by the assistant, then the text
        assert [m["role"] for m in messages] == [
            "system",
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
        ]
        assert messages[1]["content"] == "Text:\nWhat a lovely new park"
        assert '"label": "positive"' in messages[2]["content"]
        assert messages[3]["content"] == "Text:\nThe bins were not collected again"
        assert '"label": "negative"' in messages[4]["content"]
        assert "lovely new park" not in messages[5]["content"]
    # The project's record of the run has them (what was asked, exactly).
    params, prompt = opened.project.db.execute(
        "SELECT params, prompt FROM runs WHERE id = ?", (job.result.run_id,)
    ).fetchone()
    assert json.loads(params)["examples"] == [list(e) for e in expected]
    assert "What a lovely new park" in prompt
    assert None not in column(opened, "sentiment_label")


def test_a_wrong_sentiment_example_label_is_shown_in_red_and_stops_run(qtbot, opened, tmp_path):
    d = dialog_for(qtbot, opened)
    d.set_model("openai:gpt-4o-mini")
    bad = write_examples(tmp_path / "bad.csv", ["positive", "great", "negative"])
    d.set_examples_file(bad)
    shown = info(d)
    assert RED in shown and "bad.csv" in shown and "row 2" in shown and "'great'" in shown
    assert "positive, negative, neutral" in shown  # what it may be
    assert "examples file cannot be used" in d.problem() and "row 2" in d.problem()
    assert not run_button(d).isEnabled() and not d.try_button.isEnabled()
    assert RED in d.note.text()
    assert d.clear_examples.isVisible()
    d.clear_examples.click()
    assert not d.problem() and run_button(d).isEnabled()
    assert "labels alone (zero-shot)" in info(d)
    assert d.spec().task().examples == ()


def test_the_examples_row_is_one_row_shown_for_sentiment_and_code_only(qtbot, opened, tmp_path):
    d = dialog_for(qtbot, opened)
    d.set_model("openai:gpt-4o-mini")
    sentiment_page, code_page, _ = d.pages
    assert d.examples_row.isVisible() and d.examples_row.parent() is sentiment_page
    assert "labels alone (zero-shot)" in info(d)
    tip = d.examples_button.toolTip()
    assert "CSV or Excel" in tip and "<b>text</b>" in tip and "<b>label</b>" in tip
    assert "sentiment labels" in tip
    good = write_examples(tmp_path / "ok.csv", ["positive", "negative"])
    d.set_examples_file(good)
    assert d.spec().task().examples

    d.set_task("prompt")
    assert not d.examples_row.isVisible() and not d.examples_info.isVisible()
    assert not d.examples_label.isVisible()
    assert d.options().examples is None and not d.problem()  # not given to the prompt

    d.set_task("code")
    d.codebook.setCurrentText("Local issues")
    assert d.examples_row.isVisible() and d.examples_row.parent() is code_page
    assert "';'" in d.examples_button.toolTip() and "codebook" in d.examples_button.toolTip()
    # The same file, read against the codes now: its sentiment labels are wrong here.
    assert RED in info(d) and "Housing, Transport, Health" in info(d)
    assert not run_button(d).isEnabled()
    d.set_examples_file(None)
    assert "codebook alone (zero-shot)" in info(d)
    # Moved to this page, a message that grows still gets the lines it needs (not clipped).
    label = d.examples_info

    def fits():
        return label.height() >= label.heightForWidth(label.width())

    qtbot.waitUntil(fits, timeout=3_000)
    d.set_examples_file(good)
    assert label.heightForWidth(label.width()) > 1.5 * label.fontMetrics().lineSpacing()
    qtbot.waitUntil(fits, timeout=3_000)
    d.set_examples_file(None)
    # One row: the widgets are the same, moved between the pages, never copied.
    assert [b.text() for b in d.findChildren(QPushButton)].count("Few-shot examples…") == 1
    assert [x.text() for x in d.findChildren(QLabel)].count("Examples:") == 1
    d.set_task("sentiment")
    assert d.examples_row.parent() is sentiment_page and d.examples_row.isVisible()
    assert sentiment_page.layout().getWidgetPosition(d.examples_row)[0] == 2  # under Labels


def test_a_new_scale_or_codebook_rereads_the_examples_file(qtbot, opened, tmp_path):
    d = dialog_for(qtbot, opened)
    d.set_model("openai:gpt-4o-mini")
    d.scale.setCurrentIndex(1)  # 5-point
    five = write_examples(tmp_path / "five.csv", ["very positive", "negative", "very negative"])
    d.set_examples_file(five)
    assert "3 examples read" in info(d) and not d.problem()
    d.scale.setCurrentIndex(0)  # 3-point: "very positive" is no longer a label
    assert RED in info(d) and "row 1" in info(d)
    assert "'very positive'" in info(d) and not run_button(d).isEnabled()
    d.scale.setCurrentIndex(1)
    assert "3 examples read" in info(d) and run_button(d).isEnabled()
    assert d.spec().task().examples[0] == ("Example text number 1", "very positive")
    # Own labels, typed: read again as they change.
    d.labels.setText("")
    qtbot.keyClicks(d.labels, "very positive, negative")
    assert "row 3" in info(d) and "'very negative'" in info(d)
    qtbot.keyClicks(d.labels, ", very negative")
    assert "3 examples read" in info(d) and not d.problem()
    # The codebook: a multi-label one reads ';' lists.
    d.set_task("code")
    codes = write_examples(tmp_path / "codes.csv", ["Housing;Transport", "health"])
    d.set_examples_file(codes)
    d.codebook.setCurrentText("Local issues")  # single-label: "Housing;Transport" is no code
    assert RED in info(d) and "row 1" in info(d)
    d.codebook.setCurrentText("Issues (multi)")
    assert "2 examples read" in info(d) and not d.problem()
    assert d.spec().task().examples == (
        ("Example text number 1", "Housing;Transport"),
        ("Example text number 2", "Health"),
    )


def test_the_lexicon_cannot_learn_from_sentiment_examples(qtbot, opened, tmp_path):
    d = dialog_for(qtbot, opened)
    d.set_model("lexicon")
    d.set_examples_file(write_examples(tmp_path / "ok.csv", ["positive", "negative"]))
    assert "cannot learn from examples" in d.problem() and "No examples" in d.problem()
    assert not run_button(d).isEnabled()
    d.set_model("builtin")
    assert not d.problem()


# -- show request ------------------------------------------------------------------------


def test_show_request_has_the_messages_and_the_schema(qtbot, opened, fake_openai):
    d = dialog_for(qtbot, opened)
    d.set_task("code")
    d.codebook.setCurrentText("Local issues")
    d.set_model("openai:fake", fake_openai.url)
    d.show_request_button.click()
    assert d.preview.isVisible()
    shown = d.request_view.toPlainText()
    first = opened.corpus.frame["text"].iat[0]
    task = d.spec().task()
    for message in task.messages(first):
        assert message["content"] in shown
    assert "── system ──" in shown and "── user ──" in shown
    assert '"enum": [' in shown and '"Housing"' in shown  # the JSON schema
    assert fake_openai.netloc in shown
    # It follows the options.
    d.set_task("prompt")
    d.template.setPlainText("Group {group}: {text}")
    shown = d.request_view.toPlainText()
    row = opened.corpus.frame.iloc[0]
    assert f"Group {row['group']}: {row['text']}" in shown and "free text" in shown
    d.set_model("lexicon")
    assert "reads no prompt" in d.request_view.toPlainText()


# -- try on 5 rows -----------------------------------------------------------------------


def test_try_on_five_then_the_full_run_sends_no_second_request(
    qtbot, opened, monkeypatch, fake_openai
):
    shown = consent(monkeypatch)
    d = dialog_for(qtbot, opened)
    d.set_task("code")
    d.codebook.setCurrentText("Local issues")
    d.set_model("openai:fake", fake_openai.url)
    job = d.try_rows()
    assert job is not None and len(shown) == 1  # consent first
    assert "up to <b>5</b> rows" in shown[0]
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    assert job.state.status == "done", job.state.message
    assert fake_openai.total == 5
    table = d.trial_table
    assert table.rowCount() == 5
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:4] == ["Row", "text", "code_label", "code_score"]
    assert all(table.item(r, 2).text() in BOOK.names for r in range(5))
    assert "saved in the project" in d.trial_status.text()
    assert run_button(d).isEnabled()
    spec = d.spec()
    d.accept()
    job = opened.runs.run(spec)
    wait_job(qtbot, job)
    assert fake_openai.total == ROWS  # 5 + the 7 others
    assert max(fake_openai.counts.values()) == 1
    assert len(shown) == 1  # asked once
    assert None not in column(opened, "code_label")


def test_try_can_be_stopped_and_keeps_the_window_free(qtbot, opened, monkeypatch, fake_openai):
    consent(monkeypatch)
    fake_openai.add_rule("slow", times=None, seconds=5)
    d = dialog_for(qtbot, opened)
    d.set_task("prompt")
    d.set_model("openai:fake", fake_openai.url)
    job = d.try_rows()
    qtbot.waitUntil(lambda: fake_openai.in_flight > 0, timeout=10_000)
    assert d.try_button.text() == "Stop" and not run_button(d).isEnabled()
    d.try_button.click()
    qtbot.waitUntil(lambda: not job.running, timeout=3_000)
    assert job.state.status == "cancelled"
    assert "Stopped" in d.trial_status.text()
    assert run_button(d).isEnabled()


def test_try_with_the_lexicon_shows_results_and_errors(qtbot, opened):
    d = dialog_for(qtbot, opened)
    d.set_model("lexicon")
    d.labels.setText("positive, negative")  # VADER's neutral texts fail
    job = d.try_rows()
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    table = d.trial_table
    labels = [table.item(r, 2).text() if table.item(r, 2) else "" for r in range(5)]
    assert any(labels)
    assert table.columnCount() == 7  # row, text, label, score, valence, chunks, error
    # Seen: "sentiment_valenc", "entiment_chunk": the answers' headers are shown whole.
    header = table.horizontalHeader()
    for column in range(2, table.columnCount() - 1):  # the last one stretches
        assert table.columnWidth(column) >= header.sectionSizeHint(column), column


def test_a_trial_left_behind_never_hides_the_full_run(qtbot, opened, tmp_path):
    """Try on 5 rows with other settings, then Cancel: the table, an export and the
    project opened again all keep the full run's results; a trial alone is shown as what
    it is ("5 of 12 rows")."""
    from llmstudio.core.corpus import read_table
    from llmstudio.gui.runs.jobs import JobSpec

    full = opened.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, full)
    labels = column(opened, "sentiment_label")
    d = dialog_for(qtbot, opened)
    d.set_model("lexicon")
    d.labels.setText("positive, negative")  # another label set: another run
    job = d.try_rows()
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    d.reject()
    out = tmp_path / "after_trial.csv"
    with qtbot.waitSignal(opened.sig_saved, timeout=20_000):
        opened.files.export_to(out)
    assert read_table(out).frame["sentiment_label"].tolist() == labels
    path = opened.project.path
    with qtbot.waitSignal(opened.runs.sig_results_shown, timeout=20_000):
        opened.open_path(path)
    assert column(opened, "sentiment_label") == labels
    assert f"run {full.result.run_id}: sentiment with lexicon" in opened.rows_label.text()

    # a run of 5 rows alone is shown, and said to be part of the corpus
    from llmstudio.core.backends.lexicon import LexiconBackend
    from llmstudio.core.results import latest_run_ids, run_label
    from llmstudio.core.runner import run_job
    from llmstudio.core.runs import table_runs
    from llmstudio.core.tasks import SentimentTask

    with Project.open(path) as project:
        with project.db:
            project.db.execute("DELETE FROM annotations")
            project.db.execute("DELETE FROM runs")
        trial = run_job(project, SentimentTask(), LexiconBackend(), limit=5).run_id
        assert latest_run_ids(project) == []  # a trial never takes the plain names...
        assert [i.run_id for i, _ in table_runs(project)] == [trial]  # ...but is shown
        assert (
            run_label(project, trial).status_text()
            == f"run {trial}: sentiment with lexicon, trial, 5 of {ROWS} rows"
        )
