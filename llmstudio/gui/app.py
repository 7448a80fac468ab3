"""Starting the window, and rendering it offscreen for screenshots."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from .. import __version__
from ..core.priority import lower_this_thread


def _has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def _quiet_offscreen_warnings() -> None:
    """Drop the offscreen plugin's "does not support propagateSizeHints()" notice, which
    every headless run (demo, screenshots, CI) would otherwise print; keep all others."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(handler)


def application():
    """The QApplication, created once with llmstudio's name and style."""
    from PySide6.QtWidgets import QApplication

    from .common import gc_guard

    app = QApplication.instance()
    if app is None:
        _quiet_offscreen_warnings()
        if not _has_display() and not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(sys.argv[:1])
        app.setApplicationName("llmstudio")
        app.setOrganizationName("llmstudio")
        app.setApplicationVersion(__version__)
        app.setStyle("Fusion")
        app.setWindowIcon(app_icon())
    gc_guard.install(app)  # garbage holding Qt objects is collected on this thread only
    return app


def app_icon():
    """llmstudio's icon (``resources/icons/``), every rendered size, for the window and the
    task bar; an empty icon, not an error, if the files are missing."""
    from PySide6.QtGui import QIcon

    from ..core.paths import icons_dir

    icon = QIcon()
    for png in sorted(icons_dir().glob("llmstudio-*.png")):
        icon.addFile(str(png))
    return icon


PRELOAD_AFTER_MS = 1500
# What a first local model job would import: loaded early, in the background.
PRELOAD_MODULES = (
    "torch",
    "transformers",
    "transformers.models.bert.modeling_bert",
    "sentence_transformers",
    "sentence_transformers.models",
    "sklearn.linear_model",
)


def preload_model_libraries() -> threading.Thread:
    """Import the model libraries in a background thread.

    Why: importing torch and transformers takes seconds and holds the interpreter in
    long stretches; done by a job's worker it stalled the window for 100-350 ms at a
    time during the job's first seconds (measured: with the imports done beforehand, the
    longest pause during a builtin job fell from 360 to under 90 ms). Done once the
    window is up, the pauses fall while the researcher is still reading the window, and
    the first job starts seconds sooner.
    """
    import importlib

    def work() -> None:
        lower_this_thread()
        for name in PRELOAD_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # a missing optional library: the job will say so itself
                pass

    thread = threading.Thread(target=work, name="llmstudio-preload", daemon=True)
    thread.start()
    return thread


def run(path: str | Path | None = None) -> int:
    """Open the window (on ``path`` if given) and run until it is closed."""
    from ..log import setup_logging

    setup_logging()
    if not _has_display() and os.environ.get("QT_QPA_PLATFORM") in (None, "", "xcb"):
        from ..core.errors import LlmstudioError

        raise LlmstudioError(
            "no display found (DISPLAY is unset); use `llmstudio demo` or "
            "`llmstudio FILE --screenshot OUT.png` on a machine without a screen"
        )
    app = application()
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    if path:
        window.open_path(path)
    from PySide6.QtCore import QTimer

    QTimer.singleShot(PRELOAD_AFTER_MS, preload_model_libraries)
    return app.exec()


def screenshot(
    path: str | Path | None, out: str | Path, size: tuple[int, int] = (1360, 820)
) -> Path:
    """Render the main window with ``path`` loaded (None: the start page), offscreen, and
    save it as a PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = application()
    from ..core.project import load_any
    from .main_window import MainWindow

    window = MainWindow()
    window.resize(*size)
    window.show()
    app.processEvents()  # lay the window out first: column widths follow the table's width
    if path is not None:
        corpus, project = load_any(path)
        window.show_corpus(corpus, project, source=path)
        if window.model.rowCount() > 2:
            window.table.selectRow(2)
    for _ in range(5):
        app.processEvents()
    from ..core.errors import LlmstudioError

    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where the folder should be: a message, not a crash
        raise LlmstudioError(f"{out}: cannot create its folder ({exc.strerror})") from None
    if not window.grab().save(str(out)):
        raise LlmstudioError(
            f"{out}: cannot write the screenshot (use a .png name in a writable folder)"
        )
    window.close()
    return out
