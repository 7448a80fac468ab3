"""A corpus large enough that search and sort run in the background thread."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from llmstudio.core.corpus import Corpus
from llmstudio.gui.common.search_bar import BACKGROUND_ROWS

N = 300_000
MAX_GAP_S = 0.5  # generous: this is about stalls, not speed


@pytest.fixture(scope="module")
def big_frame() -> pd.DataFrame:
    ids = np.arange(N)
    words = np.where(ids % 7 == 0, "the needle is here", "nothing to see")
    text = pd.Series(
        [f"answer {i}: {w}" for i, w in zip(ids.tolist(), words.tolist())], dtype="str"
    )
    group = pd.Series(np.where(ids % 3 == 0, "north", "south"), dtype="str")
    return pd.DataFrame(
        {"id": pd.Series(ids.astype(str), dtype="str"), "group": group, "text": text}
    )


class Ticker:
    """Counts the GUI thread's timer ticks; a stalled event loop shows as a long gap."""

    def __init__(self, interval_ms: int = 10):
        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))

    def start(self):
        self.times = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> float:
        """The largest gap between ticks, including the time up to now."""
        self.timer.stop()
        self.times.append(time.perf_counter())
        return float(np.diff(self.times).max())


def test_search_and_sort_in_the_background_keep_the_gui_responsive(qtbot, window, big_frame):
    assert N >= BACKGROUND_ROWS
    with qtbot.waitSignal(window.sig_loaded, timeout=10_000):
        window.show_corpus(Corpus(big_frame, "text"), source="big.csv")
    assert window.model.rowCount() == N
    expected = np.flatnonzero(np.arange(N) % 7 == 0)

    window.search_bar.edit.setFocus()
    qtbot.keyClicks(window.search_bar.edit, "needle")
    ticker = Ticker()
    ticker.start()
    with qtbot.waitSignal(window.sig_order_changed, timeout=20_000) as blocker:
        QTest.keyClick(window.search_bar.edit, Qt.Key.Key_Return)  # search now, without the pause
        # The filter runs in a worker: the table is unchanged and the busy bar shows.
        assert window.model.rowCount() == N
        assert window.progress.isVisible()
    gap = ticker.stop()
    assert gap < MAX_GAP_S, f"the GUI thread stalled for {gap:.3f} s during the search"
    assert len(ticker.times) >= 2
    assert blocker.args == [len(expected)]
    shown = window.model.order
    np.testing.assert_array_equal(shown, expected)
    assert window.rows_label.text().startswith(f"showing {len(expected):,} of {N:,} rows")
    assert "needle" in window.detail.plain_text()
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=5000)

    # Sort the filtered rows by group (descending) in the background; the search stays.
    ticker.start()
    with qtbot.waitSignal(window.sig_order_changed, timeout=20_000):
        window.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        assert len(window.model.order) == len(expected)  # not yet sorted: in the background
    gap = ticker.stop()
    assert gap < MAX_GAP_S, f"the GUI thread stalled for {gap:.3f} s during the sort"
    order = window.model.order
    assert sorted(order.tolist()) == expected.tolist()
    groups = big_frame["group"].to_numpy()[order]
    assert (groups[: (groups == "south").sum()] == "south").all()
    # Ties keep file order.
    south = order[groups == "south"]
    assert (np.diff(south) > 0).all()

    # A newer search replaces an older one still running: only the newest result is shown.
    window.search_bar.edit.blockSignals(True)
    window.search_bar.edit.setText("answer 12345:")
    window.search_bar.edit.blockSignals(False)
    window.search_bar.apply_order()
    window.search_bar.edit.blockSignals(True)
    window.search_bar.edit.setText("answer 299999:")
    window.search_bar.edit.blockSignals(False)
    with qtbot.waitSignal(window.sig_order_changed, timeout=20_000) as blocker:
        window.search_bar.apply_order()
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=20_000)
    assert blocker.args == [1]
    assert window.model.order.tolist() == [299_999]
    assert "answer 299999:" in window.detail.plain_text()
