#!/usr/bin/env python3
"""Make every screenshot that README.md and docs/ show, from the current code
(``make screenshots``), so that none goes stale.

It opens the real window offscreen, makes a project of the bundled sample corpus in a
temporary folder and drives the window as a researcher would (the walkthrough in
README.md): a codebook, 20 answers coded from the keyboard, the builtin model's sentiment
run, agreement, a chart, the bias checks, Learn from my codes. Everything runs on this
machine: the builtin MiniLM model and VADER, no network, no key. The PNGs go to
docs/images/ (or ``--out``); the run ends with an error when one of ``IMAGES`` was not
made, so the list below is the list of what the script writes
(tests/docs/test_docs_images.py checks that every image the docs reference is in it).

The codes "typed" by the coder are the sentiment the corpus's authors meant each answer
to have (scripts/make_sample_corpus.py keeps it as a note: N, U, P, M); mixed answers are
skipped, as a coder with a three-code codebook might. They stand for a researcher's own
codes so that the agreement shown is a real comparison, not an invented number.

    python scripts/make_screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's llmstudio, whichever is installed
# The images, in the order they are made: README.md and docs/*.md may show these only.
IMAGES = (
    "main_window.png",
    "why_this_label.png",
    "coding_panel.png",
    "coding_passages.png",
    "run_dialog_code.png",
    "run_dialog_api_auto.png",
    "codebook_editor.png",
    "memo_browser.png",
    "validation_view.png",
    "chart_by_group.png",
    "chart_corrected.png",
    "corrected_table.png",
    "retrieval_passages.png",
    "retrieval_crosstab.png",
    "retrieval_chart.png",
    "bias_counterfactual.png",
    "bias_eec.png",
    "bias_fill_mask.png",
    "attention_view.png",
    "learn_panel.png",
    "train_classifier.png",
    "start_page.png",
    "help_getting_started.png",
    "qdpx_import.png",
    "document_import.png",
    "split_units.png",
    "coding_unit_context.png",
    "corpus_links.png",
    "documents_rolled_up.png",
    "chart_documents_by_group.png",
    "jobs_batches.png",
    "jobs_batch_recovered.png",
)
CODED = 20  # answers coded by hand, as in the walkthrough
ISSUES = "Local issues"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="llmstudio-shots-") as tmp:
        # Never the researcher's own settings, recent files, keys or coder name.
        os.environ["LLMSTUDIO_CONFIG_DIR"] = str(Path(tmp) / "config")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ.pop("OPENAI_API_KEY", None)
        from llmstudio.log import setup_logging

        setup_logging()  # as the app does: no library progress bar on the terminal
        made = Shots(Path(tmp), args.out).make_all()
    missing = [name for name in IMAGES if name not in made]
    if missing:
        print(f"error: not made: {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"{len(made)} screenshots in {args.out}")
    return 0


class Shots:
    """The window driven through the walkthrough, one screenshot after another."""

    def __init__(self, tmp: Path, out: Path):
        # -- GUI imports, all here (one place to change when a gui/ module moves) ----------
        from PySide6.QtCore import Qt

        from llmstudio.gui.app import application
        from llmstudio.gui.charts import chart_kinds
        from llmstudio.gui.coding.codebook_editor import CodebookEditor
        from llmstudio.gui.main_window import MainWindow
        from llmstudio.gui.runs.jobs import JobSpec
        from llmstudio.gui.runs.run_dialog import RunDialog

        self.chart_kinds, self.CodebookEditor, self.JobSpec = chart_kinds, CodebookEditor, JobSpec
        self.Qt = Qt
        self.RunDialog, self.MainWindow = RunDialog, MainWindow
        self.app = application()
        self.tmp, self.out = tmp, out
        self.made: list[str] = []
        self.window = MainWindow()

    # -- waiting and saving ---------------------------------------------------------------

    def wait(self, done, what: str, timeout: float = 300.0) -> None:
        """Process events until ``done()``; sleeping between rounds leaves worker threads
        the interpreter."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            self.app.processEvents()
            time.sleep(0.01)

    def settle(self, ms: int = 150) -> None:
        """Let the window catch up for ``ms``, deleting what it let go of: without an
        event loop running, widgets given ``deleteLater`` would stay on screen."""
        from PySide6.QtCore import QCoreApplication, QEvent

        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            self.app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            time.sleep(0.01)

    def save(self, widget, name: str) -> None:
        assert name in IMAGES, name
        self.settle()
        self.out.mkdir(parents=True, exist_ok=True)
        if not widget.grab().save(str(self.out / name)):
            raise RuntimeError(f"cannot write {self.out / name}")
        self.made.append(name)
        print(f"  {name}", flush=True)

    def wait_job(self, job) -> None:
        self.wait(lambda: not job.running, "the model run")
        if job.state.status != "done":
            raise RuntimeError(f"the run ended {job.state.status}: {job.state.message}")

    # -- the walkthrough ------------------------------------------------------------------

    def make_all(self) -> list[str]:
        self.open_sample_as_project()
        self.shoot_start_page()
        self.add_codebooks()
        self.code_by_hand()
        self.run_model()
        self.shoot_main_window()
        self.shoot_why_this_label()
        self.shoot_coding_panel()
        self.shoot_passages()
        self.shoot_run_dialog()
        self.shoot_run_dialog_api()
        self.shoot_codebook_editor()
        self.shoot_memos()
        self.shoot_validation()
        self.shoot_chart()
        self.shoot_corrected()
        self.shoot_retrieval()
        self.shoot_bias()
        self.shoot_demos()
        self.shoot_learn()
        self.shoot_training()
        self.shoot_documents()
        self.shoot_rollup()
        self.export()
        self.shoot_qdpx()
        self.shoot_batches()
        self.shoot_batch_recovery()
        self.window.close()
        return self.made

    def open_sample_as_project(self) -> None:
        """The sample opened (the welcome page's button, `make run`), then Ctrl+S."""
        w = self.window
        w.resize(1360, 820)
        w.show()
        self.settle()
        loaded = []
        w.sig_loaded.connect(lambda: loaded.append(True))
        w.files.open_sample()
        self.wait(lambda: loaded, "the sample corpus")
        w.files.save_project_to(self.tmp / "survey.llmstudio")  # Ctrl+S, after its dialog
        self.wait(lambda: w.project is not None, "the sample project")

    def shoot_start_page(self) -> None:
        """The start page as a second window shows it (nothing open; the project just saved
        among the recent files), and Help → Getting Started."""
        start = self.MainWindow()
        start.resize(1360, 820)
        start.show()
        self.settle()
        self.save(start, "start_page.png")
        page = start.help.show_getting_started()
        self.settle()
        self.save(page, "help_getting_started.png")
        page.close()
        start.close()
        self.settle()

    def add_codebooks(self) -> None:
        """Ctrl+B: a new codebook "Tone" typed in the editor, and "Local issues" imported
        from a YAML file, each saved."""
        from PySide6.QtTest import QTest

        editor = self.CodebookEditor(self.window.project, self.window)
        editor.show()
        editor.new_codebook()
        editor.name.selectAll()
        QTest.keyClicks(editor.name, "Tone")
        for k, code in enumerate(("negative", "neutral", "positive")):
            if k:
                editor.add_code()
            QTest.keyClicks(editor.code_name, code)
        if not editor.save():
            raise RuntimeError(
                "the Tone codebook was not saved: " + "; ".join(editor.problem_list())
            )
        yaml = self.tmp / "local_issues.yaml"
        yaml.write_text(LOCAL_ISSUES_YAML, encoding="utf-8")
        if not (editor.import_file(yaml) and editor.save()):
            raise RuntimeError("the Local issues codebook was not imported")
        editor.reject()

    def code_by_hand(self) -> None:
        """Ctrl+K, a name, the Tone codebook, then one key per answer (1-3; → skips)."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        panel = self.window.coding
        panel.act_open.trigger()
        panel.coder_edit.setText("ana")
        panel.coder_edit.editingFinished.emit()
        panel.reload_codebooks()
        panel.codebook_box.setCurrentText("Tone")
        panel.set_filter("all")
        panel.setFocus()
        keys = {"negative": Qt.Key.Key_1, "neutral": Qt.Key.Key_2, "positive": Qt.Key.Key_3}
        intended = intended_tone()
        coded = 0
        while coded < CODED:
            tone = intended[self.window.corpus.frame["text"].iloc[panel.row_id]]
            QTest.keyClick(panel, keys.get(tone, Qt.Key.Key_Right))
            coded += tone in keys
            self.settle(20)

    def run_model(self) -> None:
        """Ctrl+R: sentiment by the builtin model (+ the VADER label beside it)."""
        from llmstudio.core.tasks.build import TaskOptions

        job = self.window.runs.run(
            self.JobSpec(model="builtin", options=TaskOptions(task="sentiment", baseline=True))
        )
        self.wait_job(job)

    def shoot_main_window(self) -> None:
        from PySide6.QtCore import Qt

        w = self.window
        w.coding.dock.hide()
        # The Jobs panel as a researcher leaves it after a glance: the table gets the room.
        w.resizeDocks([w.runs.panel], [120], Qt.Orientation.Vertical)
        w.table.selectRow(2)
        self.settle()
        w.table.scrollToTop()
        self.save(w, "main_window.png")

    def shoot_why_this_label(self) -> None:
        """The detail pane's "Why this label?" for the row shown: the builtin model's
        sentiment run explained by occlusion, each word on its colour."""
        w = self.window
        w.detail.why_button.click()
        dialog = w.explain_window
        dialog.resize(760, 560)
        dialog.explain_button.click()
        self.wait(lambda: not dialog.running(), "the attribution")
        if dialog.result is None:
            raise RuntimeError(f"no attribution: {dialog.status.text()}")
        self.save(dialog, "why_this_label.png")
        dialog.close()

    def shoot_coding_panel(self) -> None:
        w = self.window
        w.resize(1440, 860)
        w.coding.act_open.trigger()
        w.coding.set_filter("uncoded")
        self.save(w, "coding_panel.png")
        w.coding.dock.hide()
        w.resize(1360, 820)

    def shoot_passages(self) -> None:
        """A tree codebook with colours, and passages of one answer marked from the
        keyboard: overlapping, two codes on the same words, a child code."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        from llmstudio.core.codebook import loads

        w = self.window
        w.project.save_codebook(loads(THEMES_YAML, "themes.yaml"))
        w.resize(1440, 1000)
        panel = w.coding
        panel.act_open.trigger()
        w.resizeDocks([panel.dock], [660], Qt.Orientation.Horizontal)  # room for the text
        panel.reload_codebooks()
        panel.codebook_box.setCurrentText("Themes")
        panel.set_filter("all")
        text = w.corpus.frame["text"].iloc[PASSAGE_ROW]
        panel.goto(PASSAGE_ROW)
        panel.setFocus()
        for words, key in PASSAGES:
            start = text.index(words)
            panel.text.select(start, start + len(words))
            QTest.keyClick(panel, getattr(Qt.Key, f"Key_{key}"))
            self.settle(20)
        panel.text.clear_selection()
        panel.text.verticalScrollBar().setValue(0)  # the answer from its start
        self.save(panel.dock, "coding_passages.png")
        panel.dock.hide()
        w.resize(1360, 820)

    def shoot_run_dialog(self) -> None:
        w = self.window
        dialog = self.RunDialog(
            w.corpus.text_column, w.corpus.rows, w, project=w.project, frame=w.corpus.frame
        )
        dialog.set_task("code")
        dialog.codebook.setCurrentText(ISSUES)
        dialog.set_model("builtin")
        dialog.show()
        dialog.resize(760, 760)
        self.settle(600)  # the length check starts after a pause
        self.wait(lambda: "Checking" not in dialog.length_note.text(), "the length check", 120)
        self.save(dialog, "run_dialog_code.png")
        dialog.reject()

    def shoot_run_dialog_api(self) -> None:
        """A model on a GPU server through a tunnel (README: Cluster / GPU server), with
        Auto requests at once."""
        w = self.window
        dialog = self.RunDialog(
            w.corpus.text_column, w.corpus.rows, w, project=w.project, frame=w.corpus.frame
        )
        dialog.set_task("sentiment")
        dialog.set_model("openai:Qwen/Qwen2.5-7B-Instruct", "http://localhost:8000/v1")
        dialog.concurrency.auto.setChecked(True)
        dialog.show()
        dialog.resize(760, 640)
        self.settle(600)  # the length check starts after a pause
        self.wait(lambda: "Checking" not in dialog.length_note.text(), "the length check", 120)
        self.save(dialog, "run_dialog_api_auto.png")
        dialog.reject()

    def shoot_codebook_editor(self) -> None:
        """Ctrl+B: the Local issues codebook, a tree of codes with their colours."""
        editor = self.CodebookEditor(self.window.project, self.window, select=ISSUES)
        editor.resize(980, 620)
        editor.show()
        editor.tree.set_current_index(1)  # Rents, under Housing
        self.save(editor, "codebook_editor.png")
        editor.reject()

    def shoot_memos(self) -> None:
        """Memos of every kind, then Analyse > Memos… (Ctrl+Shift+M) with the project memo
        typed into the browser."""
        from PySide6.QtTest import QTest

        from llmstudio.core import human_codes, memos, passages

        w = self.window
        project, book = w.project, w.project.codebook("Tone")
        coded = human_codes.current(project, "Tone", "ana")
        first = coded[0]
        human_codes.record(
            project,
            book,
            "ana",
            first.row_id,
            first.codes,
            "Irony? Reads negative on a second look.",
        )
        text = passages.row_text(project, coded[1].row_id)
        cut = text.find(" ", 12) if text.find(" ", 12) > 0 else len(text)
        passages.add(
            project,
            book,
            "ana",
            coded[1].row_id,
            0,
            cut,
            coded[1].codes[0] if coded[1].codes else "neutral",
            "The opening carries the tone; the rest is detail.",
        )
        memos.set_code_memo(
            project,
            "Tone",
            "neutral",
            "ana",
            "Neutral is where answers list facts. Check with ben whether complaints about "
            "services without emotion words count as negative.",
        )
        memos.add_project_memo(
            project, "ben", "Second coder", "Coded the first 50 rows blind; 3 disagreements noted."
        )
        browser = w.memos
        browser.act_open.trigger()
        browser.new_author.setText("ana")
        browser.btn_new.click()
        browser.editor.title.clear()
        QTest.keyClicks(browser.editor.title, "Sampling and order")
        QTest.keyClicks(
            browser.editor.text,
            "Coded the first 20 answers in file order, then a random sample of 100.",
        )
        self.wait(lambda: not browser.editor.pending, "the memo saved", 10)
        browser.refresh()
        browser.resize(960, 620)
        self.save(browser, "memo_browser.png")
        browser.close()

    def shoot_validation(self) -> None:
        """Ctrl+Shift+V: ana against the builtin model's run."""
        w = self.window
        w.coding.codebook_box.setCurrentText("Tone")
        view = w.review.open_validation()
        view.codebook.setCurrentText("Tone")
        computed = []
        view.sig_computed.connect(lambda *_: computed.append(True))
        view.select("ana", "run 1")
        self.wait(lambda: computed and view.stats.rowCount() > 0, "the agreement")
        view.resize(1100, 800)
        self.save(view, "validation_view.png")
        view.close()

    def shoot_chart(self) -> None:
        """Ctrl+Shift+C: mean sentiment by party, with 95% intervals."""
        ck, w = self.chart_kinds, self.window
        w.resize(1400, 1000)
        w.charts.act_open.trigger()
        panel = w.charts.panel()
        panel.kind.setCurrentIndex(ck.GROUP_MEANS)
        pick(panel.column, "signed:sentiment_label")
        pick(panel.second, "column:group")
        panel.redraw()
        self.wait(lambda: not panel.pending, "the chart")
        self.save(panel, "chart_by_group.png")
        w.charts.dock.hide()
        w.resize(1360, 820)

    def shoot_corrected(self) -> None:
        """Labels by group corrected for model error, and its table: "Check this run"'s
        random sample of 120 answers coded by a second coder (through the core, with the
        corpus authors' intended tone; a mixed answer coded neutral, as a coder with
        three codes must choose)."""
        from dataclasses import replace

        from llmstudio.core import human_codes
        from llmstudio.core.check_run import codebook_for_run
        from llmstudio.core.sampling import random_sample, save_sample

        ck, w = self.chart_kinds, self.window
        book = codebook_for_run(w.project, 1)
        sample = replace(random_sample(len(w.corpus.frame), 120, seed=1), purpose="check run 1")
        save_sample(w.project, book.name, sample)
        intended, texts = intended_tone(), w.corpus.frame["text"]
        for row in sample.rows:
            tone = intended[texts.iloc[row]]
            human_codes.record(
                w.project, book, "ben", row, ["neutral" if tone == "mixed" else tone]
            )
        w.resize(1400, 1000)
        w.charts.act_open.trigger()
        for size, orientation in (
            (1350, self.Qt.Orientation.Horizontal),
            (640, self.Qt.Orientation.Vertical),
        ):
            w.resizeDocks([w.charts.dock], [size], orientation)
        panel = w.charts.panel()
        panel.kind.setCurrentIndex(ck.GROUP_SHARES)
        pick(panel.column, "column:sentiment_label")
        pick(panel.second, "column:group")
        panel.refresh_columns()  # the codes given above (the coding panel would say so)
        if not panel.corrected.check.isEnabled():
            raise RuntimeError(f"no corrected option: {panel.corrected.check.toolTip()}")
        panel.corrected.check.setChecked(True)
        self.wait(lambda: not panel.pending and panel.corrected.report, "the corrected chart")
        panel.corrected.target.setValue(8.0)  # what 300 rows can reach: a plan to show
        self.save(panel, "chart_corrected.png")
        panel.corrected.open_table()
        table = panel.corrected.table
        table.resize(1250, 560)
        self.save(table, "corrected_table.png")
        table.close()
        panel.corrected.check.setChecked(False)
        self.wait(lambda: not panel.pending, "the chart")
        w.charts.dock.hide()
        w.resize(1360, 820)

    def shoot_retrieval(self) -> None:
        """Ctrl+Shift+P on the Themes codebook (shoot_passages), with more passages marked
        through the core (by keyword, standing in for two coders): the Coded passages list
        of a parent code with its children, the crosstab by party, and Chart This."""
        import re

        from llmstudio.core import passages

        w = self.window
        book = w.project.codebook("Themes")
        texts = w.corpus.frame["text"]
        for row_id, text in enumerate(texts):
            coder = ("ana", "ben")[row_id % 2]
            for code, pattern in THEME_WORDS.items():
                found = re.search(pattern, text, re.IGNORECASE)
                if found:
                    passages.add(w.project, book, coder, row_id, *found.span(), code)
        view = w.retrieval.open()
        view.book_picker.setCurrentText("Themes")
        (item,) = view.passages.codes.findItems("Housing", self.Qt.MatchFlag.MatchRecursive)
        view.passages.codes.setCurrentItem(item)
        self.wait(lambda: not view.passages.background.running, "the passages")
        self.save(view, "retrieval_passages.png")
        view.tabs.setCurrentWidget(view.crosstab)
        view.crosstab.by.setCurrentText("group")
        view.crosstab.show_as.setCurrentText("% of column")
        self.wait(lambda: not view.crosstab.background.running, "the crosstab")
        self.save(view, "retrieval_crosstab.png")
        w.resize(1400, 1000)
        view.crosstab.chart_button.click()
        panel = w.charts.panel()
        self.wait(lambda: not panel.pending and panel.hits, "the codes chart")
        for size, orientation in (
            (1350, self.Qt.Orientation.Horizontal),
            (560, self.Qt.Orientation.Vertical),
        ):
            w.resizeDocks([w.charts.dock], [size], orientation)
        self.settle(300)
        self.save(panel, "retrieval_chart.png")
        view.close()
        w.charts.dock.hide()
        w.resize(1360, 820)

    def shoot_bias(self) -> None:
        """Ctrl+Shift+B: gender swaps and the EEC-style template probe, builtin model."""
        w = self.window
        w.bias.act_open.trigger()
        view = w.bias.view
        view.resize(1200, 900)
        tab = view.counterfactual
        pick(tab.model, "builtin")
        view.tabs.setCurrentWidget(tab)
        tab.run()
        self.wait(lambda: not tab.running(), "the counterfactual check")
        if tab.error:
            raise RuntimeError(tab.error)
        self.save(view, "bias_counterfactual.png")
        tab = view.eec
        from llmstudio.core.bias import eec_style

        tab.path.setText(str(eec_style.shipped_path()))  # what a fresh install probes
        pick(tab.model, "builtin")
        tab.limit.setValue(1040)  # 20 frames of 52 sentences
        view.tabs.setCurrentWidget(tab)
        tab.run()
        self.wait(lambda: not tab.running(), "the template probe")
        if tab.error:
            raise RuntimeError(tab.error)
        self.save(view, "bias_eec.png")
        view.close()

    def shoot_demos(self) -> None:
        """The tutorial's demonstrations: Bias Checks > Masked words (run with a masked
        language model when one is on this computer; else the tab as a fresh install
        shows it) and the attention view (right-click in the detail pane) on a sample text,
        builtin MiniLM."""
        from llmstudio.gui.attention.attention_view import open_view

        w = self.window
        view = w.bias.open()
        view.resize(1200, 900)
        tab = view.fill_mask
        view.tabs.setCurrentWidget(tab)
        if tab.model.count():
            tab.run()
            self.wait(lambda: not tab.running(), "the masked-word probe")
            if tab.error:
                raise RuntimeError(tab.error)
        self.save(view, "bias_fill_mask.png")
        view.close()
        w.table.selectRow(0)
        self.settle()
        attention = open_view(w, w.detail.shown_text(), w.background_work)
        attention.resize(860, 900)
        pick(attention.model, "builtin")
        attention.compute()
        self.wait(lambda: attention.maps is not None or attention.error, "the attention")
        if attention.error:
            raise RuntimeError(attention.error)
        attention.layer.setValue(3)
        self.save(attention, "attention_view.png")
        attention.close()

    def shoot_learn(self) -> None:
        """Ctrl+Shift+L: the learning curve of ana's Tone codes."""
        panel = self.window.review.open_learn()
        panel.resize(760, 560)
        self.wait(lambda: panel._x is not None, "the corpus read by the builtin model")
        self.wait(lambda: "codes, a classifier" in panel.summary.text(), "the learning curve")
        self.save(panel, "learn_panel.png")
        panel.close()

    def shoot_training(self) -> None:
        """Analyse > Train a Classifier…: ana's Tone codes per label (too few to train yet)."""
        dialog = self.window.training.open()
        dialog.codebook.setCurrentText("Tone")
        self.save(dialog, "train_classifier.png")
        dialog.close()

    def shoot_documents(self) -> None:
        """File > Import Documents > From a Folder: a second window after a folder of
        interviews (DOCX), a speech (HTML), notes (TXT) and a damaged PDF, with the report
        of what was skipped."""
        from datetime import datetime

        import docx

        folder = self.tmp / "interviews"
        (folder / "wave 2").mkdir(parents=True)
        for n, (who, said) in enumerate(DOCUMENTS, start=1):
            document = docx.Document()
            document.core_properties.author = "Field team"
            document.core_properties.created = datetime(2026, 3, n, 10, 30)
            document.add_heading(f"Interview {n}: {who}", 1)
            for paragraph in said:
                document.add_paragraph(paragraph)
            document.save(folder / ("wave 2" if n > 2 else "") / f"interview_{n:02}.docx")
        (folder / "speech.html").write_text(
            "<html><head><title>Council leader's speech</title></head><body><nav>Home | "
            "News</nav><h1>A fairer town</h1><p>" + DOCUMENTS[0][1][0] + "</p></body></html>",
            encoding="utf-8",
        )
        (folder / "fieldnotes.txt").write_text(DOCUMENTS[1][1][1], encoding="utf-8")
        (folder / "scan_of_letter.pdf").write_bytes(b"%PDF-1.4\n(damaged in transfer)")
        docs = self.MainWindow()
        docs.resize(1360, 820)
        docs.show()
        self.settle()
        importer = docs.files.documents
        importer.start(folder, save_to=self.tmp / "interviews.llmstudio")  # units link to it
        self.wait(lambda: docs.corpus is not None and not importer.task.running, "documents")
        self.settle(300)
        docs.grab()  # lay the report out over the window before the picture
        self.save(docs, "document_import.png")
        if importer.report is not None:
            importer.report.close()
        self.shoot_units(docs)
        docs.close()
        self.settle()

    def shoot_units(self, docs) -> None:
        """Analyse > Split into Units… on the imported interviews (sentences), saved as a
        new project; then a sentence coded by hand inside its interview."""
        from llmstudio.core.codebook import Code, Codebook

        dialog = docs.units.open()
        dialog.resize(700, 600)
        self.save(dialog, "split_units.png")
        target = self.tmp / "interviews_sentence.llmstudio"
        dialog.start(target)
        self.wait(
            lambda: docs.project is not None and docs.project.path == target,
            "the units project",
        )
        self.wait(lambda: not dialog.task.running, "the split")
        docs.project.save_codebook(
            Codebook(codes=(Code("housing"), Code("transport"), Code("other")), name="Topic")
        )
        coding = docs.coding
        coding.act_open.trigger()
        coding.reload_codebooks()
        coding.codebook_box.setCurrentText("Topic")
        coding.coder_edit.setText("ana")
        coding.coder_edit.editingFinished.emit()
        docs.problems_dock.hide()
        coding.goto(2)
        self.save(docs, "coding_unit_context.png")
        coding.dock.hide()
        self.shoot_corpus_links(docs)

    def shoot_corpus_links(self, docs) -> None:
        """The corpus bar: the interviews split by paragraph too, back to the documents,
        the Corpus: list open over the window (a popup is a window of its own: drawn in)."""
        from PySide6.QtCore import QPoint
        from PySide6.QtGui import QPainter

        links = docs.units.links

        def documents(units: int) -> None:
            self.wait(lambda: links.combo.count() == units + 1, "the corpus list")
            links.combo.activated.emit(0)  # Documents
            self.wait(lambda: docs.project.path.name == "interviews.llmstudio", "the documents")
            self.wait(lambda: links.combo.count() == units + 1, "the documents' corpus list")

        documents(1)
        dialog = docs.units.open()
        dialog.paragraph.setChecked(True)
        dialog.start(self.tmp / "interviews_paragraph.llmstudio")
        self.wait(lambda: not dialog.task.running, "the paragraph split")
        documents(2)
        docs.problems_dock.hide()  # the skipped PDF, shown again with the documents
        self.settle(300)
        picture = docs.grab()
        links.combo.showPopup()
        self.settle(300)
        popup = links.combo.view().window().grab()
        links.combo.hidePopup()
        painter = QPainter(picture)
        painter.drawPixmap(links.combo.mapTo(docs, QPoint(0, links.combo.height())), popup)
        painter.end()
        self.out.mkdir(parents=True, exist_ok=True)
        if not picture.save(str(self.out / "corpus_links.png")):
            raise RuntimeError(f"cannot write {self.out / 'corpus_links.png'}")
        self.made.append("corpus_links.png")
        print("  corpus_links.png", flush=True)

    def shoot_rollup(self) -> None:
        """View > Documents (rolled up) and a chart of documents by party: the sample's
        answers as documents split into sentences (``core.units``), the builtin model's
        sentiment on each sentence rolled up to its answer."""
        import pandas as pd

        from llmstudio.core.paths import resources_dir
        from llmstudio.core.units import sentences

        sample = pd.read_csv(resources_dir() / "sample_corpus.csv").head(60)
        rows = []
        for _, answer in sample.iterrows():
            for unit in sentences(answer["text"]):
                meta = answer.drop(["response_id", "text"]).to_dict()
                rows.append(
                    {
                        "document": answer["response_id"],
                        "unit": unit.index + 1,
                        "unit_start": unit.start,
                        "unit_end": unit.end,
                        "text": unit.text,
                        **meta,
                    }
                )
        source = self.tmp / "answers_sentences.csv"
        pd.DataFrame(rows).to_csv(source, index=False)
        w = self.MainWindow()
        w.resize(1360, 820)
        w.show()
        loaded = []
        w.sig_loaded.connect(lambda: loaded.append(True))
        w.open_path(source)
        self.wait(lambda: loaded, "the sentences")
        w.files.save_project_to(self.tmp / "sentences.llmstudio")
        self.wait(lambda: w.project is not None, "the sentences project")
        from llmstudio.core.tasks.build import TaskOptions

        self.wait_job(w.runs.run(self.JobSpec(model="builtin", options=TaskOptions("sentiment"))))
        w.documents.open()
        self.wait(lambda: w.documents.view is not None, "the document view")
        w.documents.view.resize(1300, 520)
        self.save(w.documents.view, "documents_rolled_up.png")
        w.documents.view.close()
        ck = self.chart_kinds
        w.resize(1400, 1000)
        w.charts.act_open.trigger()
        w.resizeDocks([w.charts.dock], [1300], self.Qt.Orientation.Horizontal)
        panel = w.charts.panel()
        panel.level.setCurrentIndex(1)
        panel.kind.setCurrentIndex(ck.GROUP_MEANS)
        pick(panel.column, "doc:sentiment_label: mean signed sentiment")
        pick(panel.second, "doc:group")
        panel.redraw()
        self.wait(lambda: not panel.pending, "the chart of documents")
        self.save(panel, "chart_documents_by_group.png")
        w.close()
        self.settle()

    def export(self) -> None:
        """Ctrl+E and Ctrl+Shift+E, as the walkthrough's last step: the files are checked,
        not kept (they hold what the screenshots show)."""
        w = self.window
        table, methods = self.tmp / "survey_export.csv", self.tmp / "methods.md"
        w.files.export_to(table)
        self.wait(lambda: table.exists() and not w._busy, "the table's export")
        w.files.export_methods(methods)
        self.wait(lambda: methods.exists() and not w._busy, "the methods record")
        header = table.read_text(encoding="utf-8-sig").splitlines()[0]
        for column in ("human_tone_ana", "sentiment_label", "sentiment_valence"):
            if column not in header:
                raise RuntimeError(f"{table.name} has no column {column}: {header}")
        if "Cohen" not in methods.read_text(encoding="utf-8"):
            raise RuntimeError(f"{methods.name} gives no agreement")

    def shoot_qdpx(self) -> None:
        """File > Export > REFI-QDA Project, then File > Import of that file as a new
        project: the import's summary (what a file from MAXQDA or NVivo gives too)."""
        w = self.window
        qdpx = self.tmp / "survey.qdpx"
        dialog = w.files.qdpx.export_qdpx(qdpx)
        self.wait(lambda: not dialog.task.running and dialog.outcome.text(), "the .qdpx export")
        dialog.close()
        dialog = w.files.qdpx.import_qdpx(qdpx, self.tmp / "from_qdpx.llmstudio")
        self.wait(
            lambda: not dialog.task.running and dialog.outcome.text() and not w._busy,
            "the .qdpx import",
        )
        if "Imported" not in dialog.outcome.text():
            raise RuntimeError(f"the import failed: {dialog.outcome.text()}")
        self.save(dialog, "qdpx_import.png")
        dialog.close()

    def shoot_batches(self) -> None:
        """A run sent as a batch to the fake Batch API (tests/fakes/batch_server.py), the
        project opened again: the Jobs panel's batches, one fetched with a failed row."""
        sys.path.insert(0, str(ROOT / "tests"))
        from llmstudio.core import batch_results
        from llmstudio.core.backends.openai_backend import OpenAIBackend
        from llmstudio.core.batch_runs import submit_batches
        from llmstudio.core.corpus import read_table
        from llmstudio.core.paths import sample_corpus
        from llmstudio.core.project import Project
        from llmstudio.core.tasks import SentimentTask

        from fakes.batch_server import FakeBatchAPI

        path = self.tmp / "batch.llmstudio"
        with FakeBatchAPI() as fake:
            fake.add_rule("500", match=read_table(sample_corpus()).frame["text"][3], times=None)
            with Project.create(path, read_table(sample_corpus())) as project:
                backend = OpenAIBackend("gpt-4o-mini", fake.url, key="sk-screenshots")
                submit_batches(project, SentimentTask(), backend, max_requests=120)
                fake.finish(next(iter(fake.batches)))
                batch_results.fetch(project)  # the first: fetched, one row failed
                fake.finish()  # the second: done at the server, not fetched yet
            w = self.window
            loaded = []
            w.sig_loaded.connect(lambda: loaded.append(True))
            w.open_path(path)
            self.wait(lambda: loaded and not w.background_work, "the batch project")
            box = w.runs.batches.box
            self.wait(lambda: "ready to fetch" in box.table.item(1, 3).text(), "the states")
            w.resizeDocks([w.runs.panel], [330], self.Qt.Orientation.Vertical)
            self.save(w.runs.panel, "jobs_batches.png")

    def shoot_batch_recovery(self) -> None:
        """``annotate --batch`` killed once the server made its second batch, before it
        stored the id; the project opened again: the batch found by its key."""
        sys.path.insert(0, str(ROOT / "tests"))
        from fakes.batch_server import FakeBatchAPI
        from helpers.killed_batch import annotate_batch_args, batch_corpus, kill_while_sending

        folder = self.tmp / "killed"
        folder.mkdir()
        source, _ = batch_corpus(folder, 250)
        path = folder / "survey.llmstudio"
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with FakeBatchAPI() as fake:
            args = annotate_batch_args(source, path, fake, 100)
            kill_while_sending(args, fake, "create", 2, env, folder)
            w = self.window
            loaded = []
            w.sig_loaded.connect(lambda: loaded.append(True))
            w.open_path(path)
            self.wait(lambda: loaded and not w.background_work, "the killed batch project")
            box = w.runs.batches.box
            self.wait(lambda: "before llmstudio stopped" in box.note.text(), "the recovery")
            w.resizeDocks([w.runs.panel], [330], self.Qt.Orientation.Vertical)
            self.save(w.runs.panel, "jobs_batch_recovered.png")


def pick(combo, data: str) -> None:
    """Choose the item whose data is ``data``."""
    index = combo.findData(data)
    if index < 0:
        items = [combo.itemData(i) for i in range(combo.count())]
        raise RuntimeError(f"no {data!r} among {items}")
    combo.setCurrentIndex(index)


def intended_tone() -> dict[str, str]:
    """Each sample answer's sentiment as its authors meant it (mixed: "mixed")."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import make_sample_corpus as sample

    names = {"N": "negative", "U": "neutral", "P": "positive", "M": "mixed"}
    entries = sample.WAVE1 + sample.WAVE2 + sample.WAVE3 + sample.WAVE4
    return {entry[4]: names[entry[3]] for entry in entries}


# The interviews of the document import's picture.
DOCUMENTS = (
    (
        "tenant, 34",
        (
            "The rent went up again in March and the repairs still have not been done.",
            "I would move if there were anywhere else I could afford near the school.",
        ),
    ),
    (
        "bus driver, 51",
        (
            "Route 7 was cut to one bus an hour, so people wait in the rain.",
            "The new timetable looks fine on paper but nobody asked the drivers.",
        ),
    ),
    (
        "retired teacher, 68",
        (
            "The library is the one warm place left for many of us in winter.",
            "Keep it open on Sundays, that is all I ask.",
        ),
    ),
)

# The codebook of the run dialog's and the editor's pictures, imported as a researcher
# would import one (docs/models-and-runs.md shows the format).
LOCAL_ISSUES_YAML = """\
name: Local issues
multi_label: false
none_option: true
codes:
  - name: Housing
    description: Rents, house prices, homelessness, planning for new homes.
    include: Complaints about landlords.
    exclude: Traffic on housing estates (that is Transport).
    examples: ["Rents have doubled and nobody can afford to live here."]
    children:
      - name: Rents
        description: What renting costs; landlords, deposits, evictions.
      - name: Homelessness
        description: Rough sleeping, temporary accommodation.
  - name: Transport
    description: Buses, trains, roads, parking, cycling.
    children:
      - name: Buses
        description: Routes, fares, services cut.
      - name: Roads
        description: Potholes, congestion, speeding.
  - name: Health
    description: The NHS, GP appointments, hospitals, social care.
  - name: Cost of living
    description: Prices, energy bills, wages, benefits.
    color: "#117733"
  - name: Crime
    description: Crime, policing, antisocial behaviour.
  - name: Environment
    description: Flooding, pollution, green spaces, recycling.
"""

THEMES_YAML = """\
name: Themes
codes:
  - name: Housing
    description: Where people live and what it costs.
    children:
      - name: Rent
        description: Rents and tenancies.
      - name: Buying a home
  - name: Health
    description: The NHS, GP appointments, hospitals, social care.
  - name: Politics
    description: Trust in those in charge.
"""
PASSAGE_ROW = 20  # "Where do I start. Rent on our two-bed went from ..."
PASSAGES = [  # (the words, the key: 1 Housing, 2 Rent, 3 Buying a home, 4 Health, 5 Politics)
    ("Rent on our two-bed went from £1,650 to £2,100 when the tenancy renewed", "2"),
    ("Rent on our two-bed went from £1,650", "1"),
    ("we've basically given up on ever buying", "3"),
    ("we've basically given up on ever buying", "1"),
    ("the state of the local hospital. My partner waited 9 months for a scan", "4"),
    ("anyone in charge lives the same life we do. Not angry exactly, just tired", "5"),
]


# The words whose first mention in an answer is marked as a passage of each code of the
# Themes codebook (shoot_passages), standing in for two coders in the Coded passages pictures.
THEME_WORDS = {
    "Housing": r"\bhousing\b|\bhomes?\b|\blandlords?\b",
    "Rent": r"\brents?\b",
    "Buying a home": r"\bmortgages?\b|\bdeposit\b|\bbuy(ing)? a (home|house|flat)\b",
    "Health": r"\bhospitals?\b|\bGPs?\b|\bdoctors?\b|\bNHS\b",
    "Politics": r"\bcouncil(lors?)?\b|\bgovernment\b|\bMPs?\b|\bpoliticians?\b",
}


if __name__ == "__main__":
    sys.exit(main())
