"""The attention view (the detail pane's right-click "Show attention…", or
:func:`install` for a menu): one text's self-attention in a local transformer (the
builtin MiniLM or an ``hf:`` model on this computer) as a tokens x tokens heatmap, layer
and head chosen (or the mean of a layer's heads), exported as PNG or SVG. The numbers
come from :func:`llmstudio.core.inspect_model.attention.attention_maps`, in the
background; the model stays loaded while the window is open."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ...core.backends.spec import KINDS
from ...core.inspect_model.local import local_head
from ...core.model_config import cached_models, load_config, model_choices
from ..common.background import BackgroundTask, RunningWork
from ..common.chart_export import PNG_WIDTH
from ..common.errors import describe
from ..common.progress_row import ProgressRow

DARK = (8, 48, 107)  # the SVG's darkest blue (core.inspect_model.attention_svg.DARK)


def local_transformers() -> list[tuple[str, str]]:
    """(label, spec) of the models whose attention can be shown: the builtin MiniLM and
    the Hugging Face folders and downloaded models that are transformers."""
    return [
        (c.label, c.spec)
        for c in model_choices(load_config(), cached_models())
        if local_head(c.spec) is not None
    ]


def _compute(spec: str, text: str, loaded, monitor):
    """(the loaded model, its attention over ``text``); loads only when ``loaded`` is
    another model."""
    from ...core.inspect_model.attention import attention_maps
    from ...core.inspect_model.local import load_local

    if loaded is None or loaded.spec != spec:
        monitor.report(0.1, 1.0, message="loading the model")
        loaded = load_local(spec)
    return loaded, attention_maps(loaded, text, monitor=monitor)


class AttentionView(QDialog):
    """Choose a model, give a text, read its attention by layer and head; export."""

    def __init__(self, parent=None, text: str = "", keep_in: RunningWork | None = None):
        import pyqtgraph as pg

        super().__init__(parent)
        self.setWindowTitle("Attention — llmstudio")
        self.setModal(False)
        self.maps = None
        self.loaded = None
        self.error = ""
        self.model = QComboBox()
        self.model.setEditable(True)  # any hf:FOLDER_OR_HUB_ID may be typed
        for label, spec in local_transformers():
            self.model.addItem(label, spec)
        self.model.setToolTip(
            "The builtin MiniLM, or hf:FOLDER_OR_HUB_ID of a model on this computer"
        )
        self.text = QPlainTextEdit(text)
        self.text.setPlaceholderText("The text whose attention to show")
        self.text.setMaximumHeight(90)
        self.show_button = QPushButton("Show attention")
        self.show_button.clicked.connect(self.compute)
        self.background = BackgroundTask(self, keep_in=keep_in)
        self.progress = ProgressRow("")
        self.progress.follow(self.background)
        self.background.sig_result.connect(self._on_result)
        self.background.sig_error.connect(self._on_error)
        self.background.sig_finished.connect(lambda: self.show_button.setEnabled(True))
        self.layer = QSpinBox()
        self.layer.setPrefix("layer ")
        self.head = QComboBox()
        self.head.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for w in (self.layer, self.head):
            w.setEnabled(False)
        self.layer.valueChanged.connect(self.redraw)
        self.head.currentIndexChanged.connect(self.redraw)
        self.status = QLabel(
            "Attention: for each token (row), how much each token of the text (column) "
            "goes into its next representation. It shows where the model looks, not why "
            "it decides."
        )
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #555")
        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("left", "token attending")
        self.plot.setLabel("bottom", "token attended to")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.ColorMap([0.0, 1.0], [(255, 255, 255), DARK]))
        self.plot.addItem(self.image)
        self.hover = QLabel(" ")
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        self.png_button = QPushButton("Export PNG…")
        self.svg_button = QPushButton("Export SVG…")
        self.png_button.clicked.connect(lambda: self.export_png())
        self.svg_button.clicked.connect(lambda: self.export_svg())
        for b in (self.png_button, self.svg_button):
            b.setEnabled(False)
        form = QFormLayout()
        form.addRow("Model:", self.model)
        form.addRow("Text:", self.text)
        run = QHBoxLayout()
        run.addWidget(self.show_button)
        run.addWidget(self.progress, 1)
        choose = QHBoxLayout()
        choose.addWidget(self.layer)
        choose.addWidget(self.head)
        choose.addWidget(self.hover, 1)
        choose.addWidget(self.png_button)
        choose.addWidget(self.svg_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run)
        layout.addWidget(self.status)
        layout.addLayout(choose)
        layout.addWidget(self.plot_widget, 1)
        self.resize(820, 860)

    # -- computing ----------------------------------------------------------------------

    def spec(self) -> str:
        """The model chosen, or typed (a typed name without a kind is a Hugging Face one)."""
        typed = self.model.currentText().strip()
        index = self.model.findText(typed)
        if index >= 0 and self.model.itemData(index):
            return self.model.itemData(index)
        return typed if typed.partition(":")[0] in KINDS else f"hf:{typed}"

    def compute(self) -> None:
        if self.background.running:
            return
        self.error = ""
        self.show_button.setEnabled(False)
        self.status.setText(f"Reading the attention of {escape(self.spec())}…")
        self.background.start(_compute, self.spec(), self.text.toPlainText(), self.loaded)

    def _on_error(self, exc: BaseException) -> None:
        from ...core.errors import Cancelled

        if isinstance(exc, Cancelled):
            self.status.setText("Cancelled.")
            return
        self.error = describe(exc)
        self.status.setText(f"<b>No attention shown:</b> {escape(self.error)}")

    def _on_result(self, result) -> None:
        self.loaded, self.maps = result
        maps = self.maps
        self.layer.blockSignals(True)
        self.head.blockSignals(True)
        self.layer.setRange(1, maps.layers)
        self.layer.setSuffix(f" of {maps.layers}")
        self.layer.setValue(maps.layers)  # the last layer: what the model's output reads
        self.head.clear()
        self.head.addItems(["mean of heads"] + [f"head {h + 1}" for h in range(maps.heads)])
        self.layer.blockSignals(False)
        self.head.blockSignals(False)
        for w in (self.layer, self.head, self.png_button, self.svg_button):
            w.setEnabled(True)
        self.status.setText(escape(maps.note()))
        self.redraw()

    # -- drawing ------------------------------------------------------------------------

    def choice(self) -> tuple[int, int | None]:
        """(layer, head) as 0-based indices; head None: the mean of heads."""
        index = self.head.currentIndex()
        return self.layer.value() - 1, (None if index <= 0 else index - 1)

    def redraw(self) -> None:
        if self.maps is None:
            return
        layer, head = self.choice()
        matrix = self.maps.matrix(layer, head)
        n = len(self.maps.tokens)
        self.image.setImage(matrix, levels=(0.0, float(matrix.max()) or 1.0))
        self.image.setRect(0, 0, n, n)
        tokens = self.maps.tokens
        self.plot.getAxis("left").setTicks([[(i + 0.5, t) for i, t in enumerate(tokens)]])
        # Along the bottom the labels sit side by side: every k-th, so that none overlap
        # (the hover line names any cell).
        width = max(200.0, self.plot.vb.width())
        k = max(1, math.ceil(n * (7 * max(map(len, tokens)) + 8) / width))
        self.plot.getAxis("bottom").setTicks(
            [[(i + 0.5, t) for i, t in enumerate(tokens) if i % k == 0]]
        )
        self.plot.setTitle(escape(self.maps.title(layer, head)), size="10pt")
        self.plot.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)

    def _on_mouse(self, pos) -> None:
        if self.maps is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        point = self.plot.vb.mapSceneToView(pos)
        i, j, n = int(point.y()), int(point.x()), len(self.maps.tokens)
        if 0 <= i < n and 0 <= j < n and point.x() >= 0 and point.y() >= 0:
            value = self.maps.matrix(*self.choice())[i, j]
            tokens = self.maps.tokens
            self.hover.setText(f"{tokens[i]} → {tokens[j]}: {value:.3f}")

    # -- exports ------------------------------------------------------------------------

    def _ask(self, suffix: str, filters: str) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the heatmap", f"attention{suffix}", filters
        )
        return path

    def export_svg(self, path: str | Path | None = None) -> Path | None:
        """The heatmap shown as SVG (the core's drawing: vector, one cell a rectangle)."""
        from ...core.inspect_model.attention_svg import write_attention_svg

        path = path or self._ask(".svg", "SVG (*.svg)")
        if not path or self.maps is None:
            return None
        return write_attention_svg(self.maps, *self.choice(), path)

    def export_png(self, path: str | Path | None = None, width: int = PNG_WIDTH) -> Path | None:
        """The same drawing as the SVG, rendered ``width`` pixels wide."""
        from PySide6.QtCore import QByteArray
        from PySide6.QtGui import QColor, QImage, QPainter
        from PySide6.QtSvg import QSvgRenderer

        from ...core.inspect_model.attention_svg import attention_svg

        path = path or self._ask(".png", "PNG (*.png)")
        if not path or self.maps is None:
            return None
        renderer = QSvgRenderer(QByteArray(attention_svg(self.maps, *self.choice()).encode()))
        size = renderer.defaultSize()
        image = QImage(
            width, round(width * size.height() / size.width()), QImage.Format.Format_ARGB32
        )
        image.fill(QColor("white"))
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        image.save(str(path))
        return Path(path)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.background.cancel()
        self.loaded = None  # the model's memory goes back when the window closes
        super().closeEvent(event)


def open_view(parent, text: str = "", keep_in: RunningWork | None = None) -> AttentionView:
    """A new attention window for ``text``, shown."""
    view = AttentionView(parent, text, keep_in)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    view.show()
    view.raise_()
    return view


def install(window, menu) -> QAction:
    """Analyse › Attention… in ``menu``: the view on the selected row's text."""
    action = QAction("A&ttention…", window)
    action.setStatusTip("A text's self-attention in a local transformer, by layer and head")

    def open_for_row():
        open_view(window, window.detail.shown_text(), window.background_work)

    action.triggered.connect(open_for_row)
    menu.addAction(action)
    return action
