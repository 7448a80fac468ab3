"""The Qt binding itself: what the whole GUI relies on."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    plain = Signal()
    number = Signal(int)


def test_emitting_a_signal_does_not_steal_a_reference_to_true():
    """PySide6 6.12.0 drops a reference to ``True`` on every ``SignalInstance.emit()`` made
    from Python. Where ``True`` is not immortal (Python < 3.12) the interpreter aborts after
    a few thousand emits ("Fatal Python error: bool_dealloc"): about 1,800 searches in the
    main window (each emits 3 signals), fewer with background jobs (4 more each).
    PySide6 6.11.3 does not have the bug; Python >= 3.12 does not crash on it."""
    emitter = _Emitter()
    emitter.number.connect(lambda n: None)
    before = sys.getrefcount(True)
    for _ in range(50):
        emitter.plain.emit()
        emitter.number.emit(1)
    lost = before - sys.getrefcount(True)
    assert lost < 10, (
        f"{lost} references to True lost in 100 emits: this PySide6 build "
        "crashes long sessions; use PySide6 != 6.12.0 or Python >= 3.12"
    )
