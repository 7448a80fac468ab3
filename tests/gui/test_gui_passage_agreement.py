"""The Validate view's "Passages (characters)" choice: real widgets, real background
computation; the numbers are the core's, the method is said, and back to row codes the
row-code view returns."""

from __future__ import annotations

import pandas as pd

from llmstudio.core import passages as ps
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.passage_agreement import agreement_on_passages
from llmstudio.core.project import Project
from llmstudio.gui.review.validation_view import ValidationView

TEXTS = ["Rents doubled and buses stopped.", "Long waits 😡 at the clinic.", "Fine."]
BOOK = Codebook(
    codes=(Code("Housing"), Code("Rents", parent="Housing"), Code("Health")),
    name="Issues",
    multi_label=True,
)


def test_passages_choice_shows_each_code_per_pair(qtbot, tmp_path):
    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str")})
    with Project.create(
        tmp_path / "p.llmstudio", Corpus(frame=frame, text_column="text", source="t.csv")
    ) as p:
        p.save_codebook(BOOK)
        ps.add(p, BOOK, "ana", 0, 0, 13, "Rents")
        ps.add(p, BOOK, "ben", 0, 0, 5, "Rents")
        ps.add(p, BOOK, "ana", 1, 0, 10, "Health")
        ps.add(p, BOOK, "ben", 1, 5, 26, "Health")
        view = ValidationView(p)
        qtbot.addWidget(view)
        view.resize(1000, 600)
        view.show()
        with qtbot.waitSignal(view.passages.sig_computed, timeout=20_000):
            view.unit.setCurrentIndex(1)
        assert view.passages.isVisible() and not view.body.isVisible()
        assert not view.reference.isVisible()
        table = view.passages.table
        rows = {
            table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())
        }
        core = {c.code: c for c in agreement_on_passages(p, BOOK)}
        rents = core["Rents"].result.pairs[0]
        assert rows["Rents"][:4] == ["Rents", "ana / ben", "2", f"{rents.characters:,}"]
        assert rows["Rents"][5] == rents.cohen_kappa.text()
        assert rows["Health"][7] == core["Health"].result.pairs[0].positive_agreement.text()
        # nobody marked Housing itself: no statistics, which would read 1.000 [1.000, 1.000]
        assert rows["Housing"] == ["Housing", "not used by these coders"] + [""] * 6
        assert "resample rows" in view.passages.method.text()
        assert "Only 2 rows compared" in view.passages.status.text()
        qtbot.wait(50)
        view.grab().save(str(tmp_path / "passages.png"))

        # a code's passages with those under it: Housing takes Rents'
        with qtbot.waitSignal(view.passages.sig_computed, timeout=20_000):
            view.passages.children_box.setChecked(True)
        housing = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "Housing")
        assert table.item(housing, 5).text() == rents.cohen_kappa.text()

        # cid looked only at a row neither ana nor ben looked at: their pairs are left out
        ps.add(p, BOOK, "cid", 2, 0, 4, "Health")
        ps.add(p, BOOK, "ana", 2, 0, 4, "Health")
        with qtbot.waitSignal(view.passages.sig_computed, timeout=20_000):
            view.passages.refresh()
        pairs = {table.item(r, 1).text() for r in range(table.rowCount())}
        assert "ana / cid" in pairs and "ben / cid" not in pairs
        assert (
            "1 pair of coders left out (no row both coders looked at): ben / cid"
            in view.passages.status.text()
        )
        view.grab().save(str(tmp_path / "passages_left_out.png"))

        view.unit.setCurrentIndex(0)
        assert view.body.isVisible() and not view.passages.isVisible()
        assert view.reference.isVisible()
        view.close()


def test_the_open_view_follows_a_rename_and_the_panel(qtbot, window, open_file, tmp_path):
    """Open beside the codebook editor and the coding panel, the passages' agreement
    names a renamed code by its new name and counts a passage marked since."""
    from llmstudio.gui.coding.codebook_editor import CodebookEditor

    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str")})
    path = tmp_path / "f.llmstudio"
    with Project.create(path, Corpus(frame=frame, text_column="text", source="t.csv")) as p:
        p.save_codebook(BOOK)
        ps.add(p, BOOK, "ana", 0, 0, 13, "Rents")
        ps.add(p, BOOK, "ben", 0, 0, 5, "Rents")
    open_file(path)
    view = window.review.open_validation()
    view.codebook.setCurrentText("Issues")
    with qtbot.waitSignal(view.passages.sig_computed, timeout=20_000):
        view.unit.setCurrentIndex(1)
    table = view.passages.table

    def row(code):
        found = [r for r in range(table.rowCount()) if table.item(r, 0).text() == code]
        return [table.item(found[0], c).text() for c in range(4)] if found else None

    assert row("Rents")[2] == "1"  # one row compared
    editor = CodebookEditor(window.project, window, select="Issues")
    qtbot.addWidget(editor)
    editor._confirm = lambda *_: True  # the Yes of the rename's question
    editor.tree.set_current_index(editor.tree.titles().index("  Rents"))
    assert editor.rename_code("Rent costs")
    qtbot.waitUntil(lambda: row("Rent costs") is not None, timeout=10_000)
    assert row("Rents") is None
    for coder in ("ana", "ben"):
        ps.add(window.project, window.project.codebook("Issues"), coder, 1, 0, 4, "Health")
    window.coding.sig_coded.emit(1)  # as the panel says after a passage is stored
    qtbot.waitUntil(lambda: (row("Health") or ["", "", ""])[2] == "2", timeout=10_000)
