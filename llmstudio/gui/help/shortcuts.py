"""Help › Keyboard Shortcuts: generated from the actions the window has registered (and the
coding panel's keys), so the list never goes stale."""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QAction

# Keys handled by widgets, not by actions: the table and the search.
WIDGET_KEYS = [("Clear the search", "Esc"), ("Move between rows", "↑ ↓ PgUp PgDn Home End")]


def action_name(action: QAction) -> str:
    """An action's text as a reader sees it: no mnemonic ampersand, no ellipsis."""
    return action.text().replace("&", "").rstrip("…").strip()


def registered_shortcuts(window) -> list[tuple[str, str]]:
    """(name, keys) of every action of ``window`` with a shortcut, as the window has them."""
    return [
        (action_name(a), a.shortcut().toString())
        for a in window.findChildren(QAction)
        if not a.shortcut().isEmpty()
    ]


def shortcut_rows(window) -> list[tuple[str, str]]:
    """Every key the window answers: its actions', the table's and the coding panel's,
    sorted by name, each once."""
    rows = registered_shortcuts(window) + WIDGET_KEYS + window.coding.shortcut_rows()
    return sorted(set(rows))


def shortcuts_html(rows: list[tuple[str, str]]) -> str:
    """The rows as a two-column table."""
    body = "".join(
        f"<tr><td>{escape(name)}</td><td><b>{escape(keys)}</b></td></tr>" for name, keys in rows
    )
    return (
        "<h2>Keyboard shortcuts</h2><p>Every menu entry is also reached with Alt and its "
        "underlined letter; Tab moves between controls.</p>"
        f"<table cellspacing=0 cellpadding=4>{body}</table>"
    )
