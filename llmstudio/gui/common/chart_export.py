"""Charts to files: PNG wide enough for print (1800 px: 6 inches at 300 dpi) and SVG.
Used by the charts panel and the bias view."""

from __future__ import annotations

from pathlib import Path

PNG_WIDTH = 1800  # 6 inches at 300 dpi


def export_png(item, path: str | Path, width: int = PNG_WIDTH) -> Path:
    """``item`` (a pyqtgraph plot item or scene) as a PNG ``width`` pixels wide."""
    from pyqtgraph.exporters import ImageExporter

    exporter = ImageExporter(item)
    exporter.parameters()["width"] = width
    exporter.export(str(path))
    return Path(path)


FIGURE_SIZE = (1000, 560)  # a figure's proportions (about 16:9), before scaling to PNG_WIDTH


def export_layout_png(
    widget, path: str | Path, width: int = PNG_WIDTH, size: tuple[int, int] = FIGURE_SIZE
) -> Path:
    """A ``pyqtgraph.GraphicsLayoutWidget``'s plots as a PNG ``width`` pixels wide, laid
    out at ``size`` for the export (not at the window's strip), then given back to the
    window's layout. The layout is set on the plots' own item and allowed to settle
    before the export: a widget resized and exported at once draws its plots where they
    were, clipped on one side and blank on the other."""
    from PySide6.QtCore import QRectF
    from PySide6.QtWidgets import QApplication

    layout = widget.ci
    old = QRectF(layout.geometry())
    try:
        layout.setGeometry(QRectF(0, 0, *size))
        settle_layout(layout)
        path = export_png(layout, path, width)
    finally:
        layout.setGeometry(old)
        QApplication.processEvents()
    return Path(path)


def settle_layout(layout) -> None:
    """Let a graphics layout and its plots take their new sizes (posted layout events),
    then the plots' automatic ranges follow."""
    from PySide6.QtWidgets import QApplication

    for _ in range(4):
        layout.layout.activate()
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def export_svg(item, path: str | Path) -> Path:
    """``item`` as SVG (vector: any size, editable in Inkscape or Illustrator)."""
    from pyqtgraph.exporters import SVGExporter

    with _closed_paths_spelled_out():
        SVGExporter(item).export(str(path))
    _unstroked_clip_paths(Path(path))
    return Path(path)


def _unstroked_clip_paths(path: Path) -> None:
    """A clip path inherits the black stroke of its group; viewers without clip paths
    (Qt's own SVG renderer, some office suites) draw it as a black frame round each plot.
    Said to draw no stroke, it clips the same everywhere and shows nowhere."""
    import re

    text = path.read_text(encoding="utf-8")
    fixed = re.sub(r"(<clipPath\b[^>]*>\s*<path\b)", r'\1 stroke="none"', text)
    if fixed != text:
        path.write_text(fixed, encoding="utf-8")


class _closed_paths_spelled_out:
    """pyqtgraph's SVG exporter (0.14) reads every path token as "x,y" and fails on the
    "Z" (close path) that Qt 6 writes for a view box's rectangle. While exporting, each
    "Z" becomes a line back to the path's start, which draws the same shape."""

    def __enter__(self):
        import importlib

        self.module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
        self.original = original = self.module.correctCoordinates

        def correct(node, defs, item, options):
            for element in node.getElementsByTagName("path"):
                tokens = element.getAttribute("d").split()
                start, out = None, []
                for token in tokens:
                    if token[:1] == "M":
                        start = token[1:]
                    if token in ("Z", "z"):
                        if start is not None:
                            out.append("L" + start)
                        continue
                    out.append(token)
                element.setAttribute("d", " ".join(out))
            return original(node, defs, item, options)

        self.module.correctCoordinates = correct
        return self

    def __exit__(self, *exc):
        self.module.correctCoordinates = self.original
        return False
