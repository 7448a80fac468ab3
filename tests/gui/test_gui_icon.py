"""The app icon: its renders come from the SVG source, the ICO/ICNS files hold every size,
and the application shows it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage, QImageReader

from llmstudio.core.paths import icons_dir

ROOT = Path(__file__).resolve().parents[2]
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
BUBBLE_BLUE = QColor("#1f5fbf")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The icons rendered now from the SVG by the script, into a temporary folder."""
    out = tmp_path_factory.mktemp("icons")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "scripts/make_icons.py", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return out


def max_difference(a: QImage, b: QImage) -> int:
    """The largest difference of any channel of any pixel (the images have one size)."""
    assert a.size() == b.size()
    worst = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixelColor(x, y), b.pixelColor(x, y)
            worst = max(
                worst,
                abs(pa.red() - pb.red()),
                abs(pa.green() - pb.green()),
                abs(pa.blue() - pb.blue()),
                abs(pa.alpha() - pb.alpha()),
            )
    return worst


@pytest.mark.parametrize("size", (16, 32, 64))
def test_the_committed_pngs_are_renders_of_the_svg(fresh, size):
    committed = QImage(str(icons_dir() / f"llmstudio-{size}.png"))
    assert (committed.width(), committed.height()) == (size, size)
    # A few levels of antialiasing difference between Qt versions are allowed; an SVG
    # changed without running scripts/make_icons.py is not.
    assert max_difference(committed, QImage(str(fresh / f"llmstudio-{size}.png"))) <= 12


def test_every_size_is_rendered(fresh):
    for size in PNG_SIZES:
        image = QImage(str(fresh / f"llmstudio-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        # The bubble's body below its lighter top band is the bubble's blue; the corners
        # are transparent (a round bubble, not a square tile).
        body = image.pixelColor(int(size * 6 / 64), int(size * 30 / 64))
        assert body.name() == BUBBLE_BLUE.name()
        assert image.pixelColor(0, 0).alpha() == 0


def test_the_ico_holds_each_size(fresh):
    reader = QImageReader(str(fresh / "llmstudio.ico"))
    sizes = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        sizes.append(reader.read().width())
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]


def test_the_icns_holds_the_mac_sizes(fresh):
    data = (fresh / "llmstudio.icns").read_bytes()
    assert data[:4] == b"icns" and int.from_bytes(data[4:8], "big") == len(data)
    kinds, at = {}, 8
    while at < len(data):
        kind, length = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "big")
        kinds[kind] = QImage.fromData(data[at + 8 : at + length]).width()
        at += length
    assert at == len(data)  # the entries' lengths add up to the file
    # Apple's PNG entry types: 16-512 px and the @2x (Retina) ones of 16-256 pt.
    assert kinds == {
        b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256, b"ic09": 512,
        b"ic11": 32, b"ic12": 64, b"ic13": 256, b"ic14": 512,
    }  # fmt: skip


def test_the_application_shows_the_icon():
    # A fresh process: the tests' QApplication is pytest-qt's, not llmstudio's.
    code = (
        "from llmstudio.gui.app import application\n"
        "app = application()\n"
        "print(sorted(s.width() for s in app.windowIcon().availableSizes()))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == str(list(PNG_SIZES))
