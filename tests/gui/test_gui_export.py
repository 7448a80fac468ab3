"""Export from the window: CSV (with and without BOM and formula guard), XLSX, Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core.corpus import read_table

GUARDED = {'=HYPERLINK("http://x")', "@mention", "-dash"}


def export(qtbot, window, path, **kwargs) -> Path:
    with qtbot.waitSignal(window.sig_saved, timeout=20_000) as blocker:
        window.files.export_to(path, **kwargs)
    written = Path(blocker.args[0])
    assert written == path and written.exists()
    assert "Exported 5 rows" in window.statusBar().currentMessage()
    return written


def guarded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(lambda v: "'" + v if isinstance(v, str) and v in GUARDED else v)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
    )


@pytest.fixture
def loaded(window, open_file, small_csv):
    open_file(small_csv)
    return window.corpus.frame


def test_csv_with_bom_and_formula_guard(qtbot, window, loaded, tmp_path):
    out = export(qtbot, window, tmp_path / "guarded.csv", bom=True, guard=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = read_table(out)
    assert back.columns == list(loaded.columns)
    same(back.frame, guarded(loaded))
    assert back.frame.loc[3, "text"] == '\'=HYPERLINK("http://x")'
    assert back.frame.loc[0, "text"] == loaded.loc[0, "text"]  # 5,000 chars, newlines


def test_csv_without_bom_and_without_guard_is_exact(qtbot, window, loaded, tmp_path):
    out = export(qtbot, window, tmp_path / "plain.csv", bom=False, guard=False)
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    same(read_table(out).frame, loaded)


def test_xlsx(qtbot, window, loaded, tmp_path):
    out = export(qtbot, window, tmp_path / "table.xlsx", guard=True)
    assert out.read_bytes().startswith(b"PK\x03\x04")
    back = read_table(out).frame
    expected = guarded(loaded)
    assert list(back.columns) == list(expected.columns)
    # Excel has no empty string distinct from an empty cell.
    same(back.fillna(""), expected.fillna(""))


def test_parquet_keeps_every_cell(qtbot, window, loaded, tmp_path):
    out = export(qtbot, window, tmp_path / "table.parquet", guard=True)
    same(read_table(out).frame, loaded)  # Parquet is never guarded


def test_export_error_is_reported(qtbot, window, loaded, tmp_path):
    with qtbot.waitSignal(window.sig_error, timeout=20_000) as blocker:
        window.files.export_to(tmp_path / "missing_folder" / "x.csv")
    assert "x.csv" in blocker.args[0]
    assert window.corpus is not None and window.model.rowCount() == 5


def test_export_has_one_column_per_coder_after_the_model_columns(qtbot, window, tmp_path):
    """Human codes (two coders, one row coded then uncoded again) follow the model's
    columns, one column per coder, each cell that coder's latest code."""
    from llmstudio.core import human_codes as hc
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.project import Project
    from llmstudio.gui.runs.jobs import JobSpec

    from helpers.gui import RESULTS, make_project, open_project, wait_job

    book = Codebook(codes=(Code("Praise"), Code("Complaint")), name="Tone of answer")
    path = make_project(tmp_path / "coded.llmstudio")
    with Project.open(path) as project:
        project.save_codebook(book)
        hc.record(project, book, "Ana", 0, ["Praise"])
        hc.record(project, book, "Ana", 0, ["Complaint"])
        hc.record(project, book, "Ana", 4, ["Praise"])
        hc.record(project, book, "ben", 0, ["Praise"])
        hc.record(project, book, "ben", 2, ["Complaint"])
        hc.record(project, book, "ben", 2, [])
    open_project(qtbot, window, path)
    wait_job(qtbot, window.runs.run(JobSpec(model="lexicon")))
    out = tmp_path / "annotated.csv"
    with qtbot.waitSignal(window.sig_saved, timeout=20_000):
        window.files.export_to(out)
    back = read_table(out).frame
    coders = ["human_tone_of_answer_ana", "human_tone_of_answer_ben"]
    assert list(back.columns) == list(window.corpus.frame.columns) + RESULTS + coders
    ana, ben = back[coders[0]], back[coders[1]]
    assert (ana[0], ana[4], ben[0]) == ("Complaint", "Praise", "Praise")
    assert ana.drop([0, 4]).fillna("").eq("").all() and ben.drop([0]).fillna("").eq("").all()


def test_a_project_exports_to_stata_and_describes_its_columns_in_excel(qtbot, window, tmp_path):
    """From the window: Stata keeps a coder's codes as value labels; the XLSX's second
    sheet says where each column came from."""
    from llmstudio.core import human_codes as hc
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.project import Project
    from llmstudio.gui.project.export_dialog import ExportDialog

    from helpers.gui import make_project, open_project

    book = Codebook(codes=(Code("Praise"), Code("Complaint")), name="Tone")
    path = make_project(tmp_path / "coded.llmstudio")
    with Project.open(path) as project:
        project.save_codebook(book)
        hc.record(project, book, "ana", 1, ["Complaint"])
    open_project(qtbot, window, path)
    dialog = ExportDialog(tmp_path / "x.csv", 5, window, project=True)
    dialog.path.setText(str(tmp_path / "x.dta"))
    assert dialog.target().suffix == ".dta"
    dialog.deleteLater()

    out = tmp_path / "coded.dta"
    with qtbot.waitSignal(window.sig_saved, timeout=20_000):
        window.files.export_to(out)
    back = pd.read_stata(out)
    assert back["human_tone_ana"].iloc[1] == "Complaint"
    xlsx = tmp_path / "coded.xlsx"
    with qtbot.waitSignal(window.sig_saved, timeout=20_000):
        window.files.export_to(xlsx)
    columns = pd.read_excel(xlsx, sheet_name="columns")
    described = dict(zip(columns["column"], columns["source"]))
    assert described["human_tone_ana"] == "coder ana"


def test_file_menu_writes_the_methods_record(qtbot, window, tmp_path, monkeypatch):
    """File › Export Methods Record…: a name typed without an extension gets the chosen
    kind's; the record describes the project's runs; a bad target says why."""
    from PySide6.QtWidgets import QFileDialog

    from llmstudio.core.project import Project

    from annotated_project import make_project as make_annotated
    from helpers.gui import open_project

    path = make_annotated(tmp_path)
    assert not window.files.act_methods.isEnabled()  # no project yet: nothing to record
    open_project(qtbot, window, path)
    assert window.files.act_methods.isEnabled()
    target = tmp_path / "out" / "methods"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: (str(target), "Web page, charts embedded (*.html)"),
    )
    window.files.act_methods.trigger()
    written = target.with_suffix(".html")
    qtbot.waitUntil(written.exists, timeout=30_000)
    page = written.read_text("utf-8")
    with Project.open(path) as p:
        runs = p.db.execute("SELECT id, backend FROM runs ORDER BY id").fetchall()
    assert runs and all(f"Run {run_id}: sentiment with" in page for run_id, _ in runs)
    assert "Cohen" in page or "kappa" in page  # the two coders' agreement
    qtbot.waitUntil(
        lambda: "Wrote the methods record" in window.statusBar().currentMessage(), timeout=10_000
    )

    with qtbot.waitSignal(window.sig_error, timeout=20_000) as blocker:
        window.files.export_methods(tmp_path / "methods.txt")
    assert "is .md (Markdown) or .html" in blocker.args[0]
