"""A coding run stored as the runner stores it (Qt-free: core, GUI and CLI tests)."""

from __future__ import annotations

import json

from llmstudio.core.project import Project


def add_code_run(path, book, labels: dict[int, str]) -> None:
    """A finished single-label coding run of ``book`` as the runner stores it."""
    with Project.open(path) as p:
        with p.db:
            cur = p.db.execute(
                "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column,"
                " columns, status, rows_total, created, finished) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    "k",
                    "code",
                    json.dumps({"task": "code", "codebook": book.to_dict()}),
                    "builtin",
                    "{}",
                    "text",
                    json.dumps(["code_label", "code_score"]),
                    "done",
                    int(p.meta("rows")),
                    "2026-01-01",
                    "2026-01-01",
                ),
            )
            p.db.executemany(
                "INSERT INTO annotations (run_id, row_id, output) VALUES (?,?,?)",
                [(cur.lastrowid, r, json.dumps({"code_label": lab})) for r, lab in labels.items()],
            )
