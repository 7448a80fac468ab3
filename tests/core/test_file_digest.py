"""A model's weights hash, remembered across processes (core/file_digest.py): the same
digest as hashing the bytes, served from the memo while the files are unchanged, made
again for a file changed in place or replaced, and never served from a damaged memo."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmstudio.core import file_digest
from llmstudio.core.file_digest import MEMO_FILE, sha256_of


def plain(files: list[Path], names: bool = False) -> str:
    h = hashlib.sha256()
    for f in files:
        if names:
            h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@pytest.fixture
def weights(tmp_path: Path, config_dir: Path, monkeypatch) -> list[Path]:
    """Two weight files, and a memo that remembers at once (no settling wait), with this
    process's memo emptied before and after."""
    monkeypatch.setattr(file_digest, "SETTLED_SECONDS", 0.0)
    monkeypatch.setattr(file_digest, "_memo", {})
    files = [tmp_path / "a.safetensors", tmp_path / "b.safetensors"]
    files[0].write_bytes(b"\x01" * 3_000_000)  # more than one 1 MiB block
    files[1].write_bytes(b"second")
    return files


def memo(config_dir: Path) -> dict:
    return json.loads((config_dir / "cache" / MEMO_FILE).read_text(encoding="utf-8"))


def test_the_digest_is_the_sha256_of_the_bytes_with_or_without_names(weights):
    assert sha256_of(weights) == plain(weights)
    assert sha256_of(weights, names=True) == plain(weights, names=True)
    assert sha256_of(weights) != sha256_of(weights, names=True)


def test_a_later_process_takes_the_digest_from_the_memo(weights, config_dir, monkeypatch):
    first = sha256_of(weights)
    assert list(memo(config_dir).values()) == [first]
    # A new process: nothing in its own memo, and hashing is not what answers.
    monkeypatch.setattr(file_digest, "_memo", {})
    monkeypatch.setattr(file_digest, "_hash", lambda *a: pytest.fail("hashed again"))
    assert sha256_of(weights) == first


def test_the_memo_serves_a_new_process_and_the_models_revisions(weights, config_dir):
    """Through the callers, in real processes: the hf folder model's and the builtin
    model's revisions are the same whether hashed or remembered."""
    folder = weights[0].parent
    script = (
        "import sys, json; from pathlib import Path\n"
        "from llmstudio.core import file_digest\n"
        "file_digest.SETTLED_SECONDS = 0\n"
        "from llmstudio.core.backends.hf.loading import weights_hash\n"
        "from llmstudio.core.embedding.minilm import model_hash\n"
        "hashed = []\n"
        "real = file_digest._hash\n"
        "file_digest._hash = lambda *a: hashed.append(1) or real(*a)\n"
        "print(json.dumps([weights_hash(Path(sys.argv[1])), model_hash(), len(hashed)]))\n"
    )
    env = dict(os.environ, LLMSTUDIO_CONFIG_DIR=str(config_dir))
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", script, str(folder)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(2)
    ]
    assert runs[0][:2] == runs[1][:2]
    assert runs[0][0] == plain(sorted(weights), names=True)[:16]
    assert runs[0][2] == 2 and runs[1][2] == 0  # hashed in the first process only


def test_a_file_changed_in_place_with_its_time_put_back_is_hashed_again(weights):
    before = sha256_of(weights)
    stat = weights[1].stat()
    time.sleep(0.05)  # past the file times' coarse tick
    weights[1].write_bytes(b"SECOND")  # same size
    os.utime(weights[1], ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time
    assert weights[1].stat().st_mtime_ns == stat.st_mtime_ns
    after = sha256_of(weights)
    assert after != before
    assert after == plain(weights)


def test_a_file_replaced_by_another_of_the_same_size_and_time_is_hashed_again(weights):
    before = sha256_of(weights)
    stat = weights[1].stat()
    other = weights[1].with_name("other")
    other.write_bytes(b"SECOND")
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(other, weights[1])
    assert sha256_of(weights) == plain(weights) != before


def test_a_file_just_written_is_not_remembered(weights, config_dir, monkeypatch):
    monkeypatch.setattr(file_digest, "SETTLED_SECONDS", 60.0)
    assert sha256_of(weights) == plain(weights)
    assert not (config_dir / "cache" / MEMO_FILE).exists()
    assert file_digest._memo == {}


def test_a_damaged_memo_is_ignored_and_written_again(weights, config_dir):
    path = config_dir / "cache" / MEMO_FILE
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert sha256_of(weights) == plain(weights)
    assert list(memo(config_dir).values()) == [plain(weights)]


def test_a_wrong_digest_under_another_signature_is_never_served(weights, config_dir):
    """An entry left by an older version of the file (its signature) is not this one's."""
    sha256_of(weights)
    stale = dict.fromkeys(memo(config_dir), "0" * 64)
    (config_dir / "cache" / MEMO_FILE).write_text(json.dumps(stale), encoding="utf-8")
    file_digest._memo.clear()
    time.sleep(0.05)
    weights[0].write_bytes(b"\x02" * 3_000_000)
    assert sha256_of(weights) == plain(weights)


def test_a_cache_folder_that_cannot_be_written_still_gives_the_digest(weights, config_dir):
    (config_dir / "cache").write_text("a file where the folder should be", encoding="utf-8")
    assert sha256_of(weights) == plain(weights)


def test_the_memo_keeps_the_newest_entries(weights, config_dir, monkeypatch):
    monkeypatch.setattr(file_digest, "MEMO_ENTRIES", 2)
    for n in range(3):
        f = weights[0].with_name(f"w{n}")
        f.write_bytes(bytes([n]))
        sha256_of([f])
    kept = memo(config_dir)
    assert len(kept) == 2
    assert not any("w0" in key for key in kept)


def test_a_missing_file_says_so(tmp_path, config_dir):
    with pytest.raises(FileNotFoundError):
        sha256_of([tmp_path / "nowhere.safetensors"])
