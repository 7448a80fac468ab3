"""The recent-files list in the config folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from llmstudio.core.recent import (
    MAX_RECENT,
    RecentEntry,
    add_recent,
    recent_entries,
    recent_files,
)


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    paths = []
    for i in range(MAX_RECENT + 3):
        path = folder / f"f{i:02d}.csv"
        path.write_text("id,text\n1,a\n")
        paths.append(path)
    return paths


def test_empty_at_first(config_dir):
    assert recent_files() == []
    assert list(config_dir.iterdir()) == []


def test_add_orders_newest_first_and_dedupes(config_dir, files):
    a, b, c = files[:3]
    add_recent(a)
    add_recent(b)
    add_recent(c)
    assert recent_files() == [str(c), str(b), str(a)]
    add_recent(a)  # again: moves to the front, once
    assert recent_files() == [str(a), str(c), str(b)]
    stored = json.loads((config_dir / "recent.json").read_text(encoding="utf-8"))
    assert [item["path"] for item in stored] == [str(a), str(c), str(b)]


def test_each_entry_says_when_it_was_last_opened(config_dir, files):
    before = datetime.now(UTC).replace(microsecond=0)
    add_recent(files[0])
    (entry,) = recent_entries()
    assert entry.path == str(files[0]) and before <= entry.opened <= datetime.now(UTC)
    # A list written before the times were kept: its paths, with no time.
    (config_dir / "recent.json").write_text(json.dumps([str(files[1])]), encoding="utf-8")
    assert recent_entries() == [RecentEntry(str(files[1]), None)]
    bad_time = [{"path": str(files[2]), "opened": "yesterday"}, {"opened": "2024-01-01"}]
    (config_dir / "recent.json").write_text(json.dumps(bad_time), encoding="utf-8")
    assert recent_entries() == [RecentEntry(str(files[2]), None)]


def test_same_file_by_another_spelling_is_one_entry(config_dir, files, monkeypatch):
    monkeypatch.chdir(files[0].parent)
    add_recent(files[0])
    add_recent(files[0].name)  # relative
    add_recent(files[0].parent / ".." / files[0].parent.name / files[0].name)
    assert recent_files() == [str(files[0].resolve())]


def test_limit(config_dir, files):
    for path in files:
        add_recent(path)
    listed = recent_files()
    assert len(listed) == MAX_RECENT
    assert listed == [str(p) for p in reversed(files)][:MAX_RECENT]


def test_missing_files_are_dropped(config_dir, files):
    for path in files[:4]:
        add_recent(path)
    files[1].unlink()
    files[3].unlink()
    assert recent_files() == [str(files[2]), str(files[0])]


def test_damaged_list_is_ignored(config_dir, files):
    (config_dir / "recent.json").write_text("{not json", encoding="utf-8")
    assert recent_files() == []
    (config_dir / "recent.json").write_text(json.dumps([1, None, str(files[0])]), encoding="utf-8")
    assert recent_files() == [str(files[0])]
    assert add_recent(files[1]) == [str(files[1]), str(files[0])]


def test_config_folder_created_on_demand(monkeypatch, tmp_path, files):
    folder = tmp_path / "new" / "config"
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(folder))
    add_recent(files[0])
    assert (folder / "recent.json").is_file()
    assert [p.name for p in folder.iterdir()] == ["recent.json"]  # no temp file left


def test_unwritable_config_folder_does_not_stop_the_user(monkeypatch, tmp_path, files):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(blocker / "config"))
    assert add_recent(files[0]) == [str(files[0])]
    assert recent_files() == []
