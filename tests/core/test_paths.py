"""Where llmstudio's folders are: one home (core/paths.py) for the config, log and
resources folders."""

from __future__ import annotations

from llmstudio.core import paths
from llmstudio.core.recent import add_recent


def test_config_dir_follows_the_environment(config_dir, monkeypatch, tmp_path):
    assert paths.config_dir() == config_dir
    other = tmp_path / "elsewhere"
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(other))
    assert paths.config_dir() == other
    assert paths.log_dir() == other / "logs"


def test_without_the_variable_the_os_folders(monkeypatch):
    from platformdirs import user_config_dir, user_log_dir

    monkeypatch.delenv("LLMSTUDIO_CONFIG_DIR", raising=False)
    assert paths.config_dir() == paths.Path(user_config_dir("llmstudio", "llmstudio"))
    assert paths.log_dir() == paths.Path(user_log_dir("llmstudio", "llmstudio"))
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", "")  # set but empty: as if not set
    assert paths.config_dir() == paths.Path(user_config_dir("llmstudio", "llmstudio"))


def test_recent_files_live_in_the_config_dir(config_dir, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,text\n1,a\n", encoding="utf-8")
    add_recent(table)
    assert (config_dir / "recent.json").is_file()


def test_the_sample_corpus_is_found():
    assert paths.sample_corpus().is_file()
    assert paths.sample_corpus().parent == paths.resources_dir()
