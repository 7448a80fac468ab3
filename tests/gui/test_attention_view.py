"""The attention view offscreen: the builtin MiniLM's attention over a row's text, layer
and head chosen, the image the matrix shown, PNG and SVG exported, errors said; reached
from the detail pane."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
from PySide6.QtGui import QImage

from llmstudio.gui.attention.attention_view import AttentionView, local_transformers

TEXT = "The film was wonderful, I loved it."


def shown(qtbot, view) -> None:
    view.compute()
    qtbot.waitUntil(lambda: not view.background.running, timeout=60_000)
    qtbot.wait(20)  # the result's signal, queued


def test_the_builtin_models_attention_by_layer_and_head(qtbot, tmp_path):
    assert "builtin" in [spec for _, spec in local_transformers()]
    view = AttentionView(text=TEXT)
    qtbot.addWidget(view)
    view.show()
    view.model.setCurrentIndex(view.model.findData("builtin"))
    shown(qtbot, view)
    assert view.error == "" and view.maps is not None
    tokens = view.maps.tokens
    assert tokens[:3] == ["[CLS]", "the", "film"] and tokens[-1] == "[SEP]"
    assert view.layer.value() == 6 and view.head.count() == 13  # mean + 12 heads
    assert np.allclose(view.image.image, view.maps.matrix(5, None))
    view.layer.setValue(2)
    view.head.setCurrentIndex(4)
    assert view.choice() == (1, 3)
    assert np.allclose(view.image.image, view.maps.matrix(1, 3))
    assert "layer 2 of 6, head 4 of 12" in view.plot.titleLabel.text
    view.grab().save(str(tmp_path / "attention.png"))

    svg = view.export_svg(tmp_path / "a.svg")
    root = ET.parse(svg).getroot()
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert len(titles) == len(tokens) ** 2
    png = view.export_png(tmp_path / "a.png")
    image = QImage(str(png))
    assert image.width() == 1800 and image.height() > 600
    # A cell of the largest weight is dark, the background white.
    assert image.pixelColor(5, 5).name() == "#ffffff"


def test_errors_are_said_in_the_window(qtbot):
    view = AttentionView(text="   ")
    qtbot.addWidget(view)
    view.model.setCurrentIndex(view.model.findData("builtin"))
    shown(qtbot, view)
    assert "the text is empty" in view.error and "No attention shown" in view.status.text()
    view.text.setPlainText(TEXT)
    view.model.setEditText("lexicon")
    assert view.spec() == "lexicon"
    shown(qtbot, view)
    assert "not a model on this computer" in view.error
    assert view.show_button.isEnabled()


def test_the_detail_pane_opens_the_view_on_the_row_text(qtbot, window, open_file, small_csv):
    from PySide6.QtCore import QPoint

    open_file(small_csv)
    window.table.selectRow(1)
    qtbot.waitUntil(lambda: window.detail.shown_text() != "")
    frame = window.corpus.frame
    text = str(frame[window.corpus.text_column].iloc[1])
    assert window.detail.shown_text() == text
    # The right-click menu: the browser's own entries, then the attention view.
    menu = window.detail.context_menu(QPoint(5, 5))
    chosen = [a for a in menu.actions() if a.text() == "Show attention for this text…"]
    assert len(chosen) == 1 and chosen[0].isEnabled() and len(menu.actions()) > 2
    chosen[0].trigger()
    views = window.findChildren(AttentionView)
    assert len(views) == 1 and views[0].text.toPlainText() == text
    views[0].close()
