"""What every exported chart must satisfy, read from the scene the export draws: each
text box (titles, axis titles, tick labels, legend entries, text items) lies inside the
exported area, text items in data coordinates inside their plot's view (or they are cut
off), and no two text boxes overlap. Used by the charts panel's and the bias view's tests."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter


def _plots(item):
    """The PlotItems in ``item`` (a PlotItem, or a GraphicsLayout holding some)."""
    import pyqtgraph as pg

    if isinstance(item, pg.PlotItem):
        return [item]
    return [i for i in item.items if isinstance(i, pg.PlotItem)]


def text_boxes(item) -> list[tuple[str, QRectF]]:
    """(text, scene rectangle) of every visible text the plots in ``item`` draw."""
    import pyqtgraph as pg

    boxes = []
    for plot in _plots(item):
        title = plot.titleLabel
        if title.isVisible() and title.text:
            boxes.append((title.text, title.item.sceneBoundingRect()))
        for side in ("left", "bottom", "right", "top"):
            axis = plot.getAxis(side)
            if not axis.isVisible():
                continue
            if axis.label.isVisible() and axis.labelText:
                boxes.append((axis.labelText, axis.label.sceneBoundingRect()))
            image = QImage(8, 8, QImage.Format.Format_ARGB32)
            painter = QPainter(image)
            try:
                specs = axis.generateDrawSpecs(painter)
            finally:
                painter.end()
            if specs is not None:
                for rect, _flags, text in specs[2]:
                    boxes.append((text, axis.mapRectToScene(rect)))
        for child in plot.items:
            if isinstance(child, pg.TextItem) and child.isVisible() and child.toPlainText():
                boxes.append((child.toPlainText(), child.textItem.sceneBoundingRect()))
            if isinstance(child, pg.InfiniteLine) and child.isVisible():
                for label in getattr(child, "_labels", []) or [getattr(child, "label", None)]:
                    if label is not None and label.isVisible() and label.toPlainText():
                        boxes.append((label.toPlainText(), label.sceneBoundingRect()))
        legend = plot.legend
        if legend is not None and legend.isVisible():
            for _sample, label in legend.items:
                boxes.append((label.text, label.sceneBoundingRect()))
    return boxes


def problems(item, area: QRectF | None = None) -> list[str]:
    """What is wrong with the drawing of ``item`` exported over ``area`` (default: the
    item's own scene rectangle, what ``ImageExporter(item)`` draws)."""
    import pyqtgraph as pg

    area = area or item.sceneBoundingRect()
    out = []
    boxes = text_boxes(item)
    for text, rect in boxes:
        if not area.adjusted(-0.5, -0.5, 0.5, 0.5).contains(rect):
            out.append(f"{text!r} at {rect.getRect()} outside the image {area.getRect()}")
    for plot in _plots(item):
        view = plot.vb.sceneBoundingRect()
        for child in plot.items:
            if isinstance(child, pg.TextItem) and child.isVisible() and child.toPlainText():
                rect = child.textItem.sceneBoundingRect()
                if not view.adjusted(-0.5, -0.5, 0.5, 0.5).contains(rect):
                    out.append(f"{child.toPlainText()!r} cut off by its plot's edge")
    for i, (a, ra) in enumerate(boxes):
        for b, rb in boxes[i + 1 :]:
            overlap = ra.intersected(rb)
            if overlap.width() > 1 and overlap.height() > 1:
                out.append(f"{a!r} overlaps {b!r}")
    return out


def signature(item) -> Counter:
    """What a drawing is made of: the kinds of the visible items in the whole scene of
    ``item`` (whatever plot holds them), and every text the plots under ``item`` draw.
    Two drawings of one chart have the same signature."""
    kinds = Counter(type(i).__name__ for i in item.scene().items() if i.isVisible())
    kinds.update(f"text:{text}" for text, _ in text_boxes(item))
    return kinds


def svg_text_outside(path) -> list[str]:
    """The texts of an exported SVG whose anchor point (x, y through every enclosing
    ``matrix(...)`` transform) lies outside the drawing's width and height, roughly (a
    text's extent is not known without its font), and clip paths drawn with a stroke."""
    import re
    import xml.etree.ElementTree as ET

    import numpy as np

    root = ET.parse(path).getroot()
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    out = []

    def walk(node, matrix):
        transform = node.get("transform") or ""
        found = re.match(r"matrix\(([^)]*)\)", transform)
        if found:
            a, b, c, d, e, f = (float(v) for v in found.group(1).split(","))
            matrix = matrix @ np.array([[a, c, e], [b, d, f], [0, 0, 1]])
        tag = node.tag.rsplit("}", 1)[-1]
        if tag == "text":
            text = "".join(node.itertext()).strip()
            x, y, _ = matrix @ np.array([float(node.get("x", 0)), float(node.get("y", 0)), 1])
            if text and not (-1 <= x <= width + 1 and -1 <= y <= height + 1):
                out.append(f"{text!r} at ({x:.0f}, {y:.0f}) outside {width:.0f} x {height:.0f}")
        if tag == "clipPath":
            for child in node:
                if child.get("stroke") != "none":
                    out.append("a clip path drawn with a stroke")
        for child in node:
            walk(child, matrix)

    walk(root, np.eye(3))
    return out
