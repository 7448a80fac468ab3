"""Get models (gui/models/catalogue_dialog.py), opened from Model settings: the catalogue,
Download as a background job against the fake hub (bytes, speed, time left, Cancel), a
gated model's message, the downloaded list with its revision and Remove (asked first)."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QMessageBox

from llmstudio.core.catalogue import BUILTIN_ID, catalogue
from llmstudio.core.model_cache import downloaded_models, size_text
from llmstudio.gui.models.catalogue_dialog import CATALOGUE_COLUMNS, CatalogueDialog
from llmstudio.gui.runs.model_settings import ModelSettingsDialog

from helpers.hub import hub_serving

LISTED = next(e for e in catalogue() if e.source == "hf" and e.id != BUILTIN_ID)
WAIT_MS = 30_000


@pytest.fixture
def hub(tiny_hub_folder, tmp_path, monkeypatch):
    """The fake hub serving the tiny model as the catalogue's first hub entry."""
    with hub_serving({LISTED.id: tiny_hub_folder}, tmp_path / "cache", monkeypatch) as hub:
        yield hub


def open_catalogue(qtbot) -> CatalogueDialog:
    dialog = CatalogueDialog()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "Looking" not in dialog.have_note.text(), timeout=WAIT_MS)
    return dialog


def select(dialog: CatalogueDialog, hub_id: str) -> None:
    dialog.table.selectRow(next(i for i, e in enumerate(dialog.entries) if e.id == hub_id))


def cell(table, row: int, column: str, columns=CATALOGUE_COLUMNS) -> str:
    return table.item(row, columns.index(column)).text()


def test_model_settings_opens_the_catalogue_with_every_entry(qtbot, hub):
    settings = ModelSettingsDialog()
    qtbot.addWidget(settings)
    started = time.perf_counter()
    dialog = settings.open_catalogue()
    assert time.perf_counter() - started < 2.0  # generous: benchmarks/ measures it
    assert dialog.table.rowCount() == len(catalogue())
    for row, entry in enumerate(catalogue()):
        name = cell(dialog.table, row, "Model")
        assert name.startswith(entry.name)
        assert name.endswith("(unchecked)") == (not entry.checked)
        assert cell(dialog.table, row, "Licence") == entry.license
    assert "Good at:" in dialog.details.text()  # the first entry is selected and described
    assert hub.requests == []  # nothing asked of the hub until Download


def test_details_say_unchecked_and_a_missing_quality_number():
    from dataclasses import replace

    from llmstudio.gui.models.catalogue_dialog import details_text

    entry = next(e for e in catalogue() if e.checked and e.quality)
    text = details_text(entry)
    assert "Unchecked" not in text and "No quality number" not in text
    assert f"(source: {entry.quality[0].source})" in text
    bare = replace(entry, checked=False, quality=())
    text = details_text(bare)
    assert "Unchecked: its id, size and licence were not checked" in text
    assert "No quality number is recorded for it" in text


def test_download_shows_bytes_then_lists_the_revision(qtbot, hub):
    dialog = open_catalogue(qtbot)
    assert dialog.downloaded == []
    hub.rate = 2e6  # a little over a second: the progress shows
    select(dialog, LISTED.id)
    formats = []
    dialog.download_task.sig_progress.connect(
        lambda *_: formats.append(dialog.progress.bar.format())
    )
    with qtbot.waitSignal(dialog.sig_downloaded, timeout=WAIT_MS) as got:
        dialog.download_button.click()
        assert not dialog.download_button.isEnabled()  # one download at a time
    assert any(" MB of 3.0 MB, " in f and "/s" in f for f in formats), formats
    commit = hub.repos[LISTED.id].commit
    assert got.args[0].revision == commit
    assert f"revision {commit[:8]}" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.have.rowCount() == 1, timeout=WAIT_MS)
    assert cell(dialog.have, 0, "Revision", ("Model", "Revision", "Size")) == commit[:8]
    assert dialog.have.item(0, 1).toolTip() == commit
    row = next(i for i, e in enumerate(dialog.entries) if e.id == LISTED.id)
    assert cell(dialog.table, row, "Here") == "downloaded"
    assert dialog.download_button.isEnabled()


def test_cancel_stops_and_says_what_is_kept(qtbot, hub):
    dialog = open_catalogue(qtbot)
    hub.rate = 300_000  # extra.bin would take 10 s
    select(dialog, LISTED.id)
    dialog.download_button.click()
    qtbot.waitUntil(lambda: hub.bytes_sent > 300_000, timeout=WAIT_MS)
    with qtbot.waitSignal(dialog.download_task.sig_finished, timeout=5_000):
        dialog.progress.cancel_button.click()
    assert "Download cancelled. What was received is kept" in dialog.status.text()
    assert dialog.progress.bar.format().endswith(" of 3.0 MB, stopped")  # no time left
    assert not any((m.path / "extra.bin").exists() for m in downloaded_models())
    # The part downloaded is listed as incomplete, never as downloaded.
    qtbot.waitUntil(lambda: dialog.have.rowCount() == 1, timeout=WAIT_MS)
    assert cell(dialog.have, 0, "Size", ("Model", "Revision", "Size")).endswith(
        "(incomplete: Download again to finish)"
    )
    row = next(i for i, e in enumerate(dialog.entries) if e.id == LISTED.id)
    assert cell(dialog.table, row, "Here") == "incomplete"


def test_download_again_after_cancel_resumes_and_says_so(qtbot, hub):
    dialog = open_catalogue(qtbot)
    hub.rate = 1e6
    select(dialog, LISTED.id)
    dialog.download_button.click()
    qtbot.waitUntil(lambda: hub.bytes_sent > 1_200_000, timeout=WAIT_MS)
    with qtbot.waitSignal(dialog.download_task.sig_finished, timeout=5_000):
        dialog.progress.cancel_button.click()
    hub.rate = 2e6  # the rest lasts long enough for the bar to show it
    formats = []
    dialog.download_task.sig_progress.connect(
        lambda *_: formats.append(dialog.progress.bar.format())
    )
    with qtbot.waitSignal(dialog.sig_downloaded, timeout=WAIT_MS) as got:
        dialog.download_button.click()
    resumed = got.args[0].resumed_bytes
    assert resumed > 1_000_000
    said = f"(resumed at {size_text(resumed)})"
    assert any(f.startswith(size_text(resumed)) and said in f for f in formats), formats
    assert f"resumed at {size_text(resumed)}" in dialog.status.text()
    qtbot.waitUntil(
        lambda: "incomplete" not in cell(dialog.have, 0, "Size", ("Model", "Revision", "Size")),
        timeout=WAIT_MS,
    )


def test_a_gated_model_is_said(qtbot, hub):
    hub.fail("401", LISTED.id, times=None)
    dialog = open_catalogue(qtbot)
    select(dialog, LISTED.id)
    with qtbot.waitSignal(dialog.download_task.sig_finished, timeout=WAIT_MS):
        dialog.download_button.click()
    text = dialog.status.text()
    assert f"model {LISTED.id} is gated" in text and "hf auth login" in text


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
def test_remove_asks_first(qtbot, hub, monkeypatch, answer):
    dialog = open_catalogue(qtbot)
    select(dialog, LISTED.id)
    with qtbot.waitSignal(dialog.sig_listed, timeout=WAIT_MS):
        dialog.download()
    qtbot.waitUntil(lambda: dialog.have.rowCount() == 1, timeout=WAIT_MS)
    assert dialog.download_button.text() == "Update"  # downloaded: fetches a newer revision
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kw: asked.append(args[2]) or answer
    )
    dialog.have.selectRow(0)
    dialog.remove_button.click()
    assert asked and LISTED.id in asked[0] and "Delete" in asked[0]
    if answer == QMessageBox.StandardButton.Yes:
        qtbot.waitUntil(lambda: dialog.have.rowCount() == 0, timeout=WAIT_MS)
        assert downloaded_models() == [] and f"{LISTED.id} deleted" in dialog.status.text()
        # Seen: the bar still read "3.0 MB of 3.0 MB" of the files just deleted.
        assert dialog.progress.bar.format() == ""
        assert dialog.download_button.text() == "Download"
    else:
        assert [m.id for m in downloaded_models()] == [LISTED.id]


def test_closing_mid_download_cancels_it_cleanly(qtbot, hub, capfd):
    dialog = CatalogueDialog()
    hub.rate = 300_000
    select(dialog, LISTED.id)
    task = dialog.download_task
    dialog.download_button.click()
    qtbot.waitUntil(lambda: hub.bytes_sent > 300_000, timeout=WAIT_MS)
    dialog.close()
    dialog.deleteLater()
    qtbot.waitUntil(lambda: not task.running, timeout=5_000)
    assert task.cancelled
    assert "has been deleted" not in capfd.readouterr().err


def test_the_builtin_is_bundled_and_not_offered_for_download(qtbot, hub):
    dialog = open_catalogue(qtbot)
    row = next(i for i, e in enumerate(catalogue()) if e.id == BUILTIN_ID)
    assert cell(dialog.table, row, "Here") == "bundled"
    dialog.table.selectRow(row)
    assert not dialog.download_button.isEnabled()
    assert "nothing to download" in dialog.download_button.toolTip()
