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


def export_svg(item, path: str | Path) -> Path:
    """``item`` as SVG (vector: any size, editable in Inkscape or Illustrator)."""
    from pyqtgraph.exporters import SVGExporter

    with _closed_paths_spelled_out():
        SVGExporter(item).export(str(path))
    return Path(path)


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
