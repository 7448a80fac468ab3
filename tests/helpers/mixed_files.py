"""Reading a mixed-encoding file the plain way, to compare the fast ways with."""

from __future__ import annotations

from pathlib import Path

from llmstudio.core import delimited
from llmstudio.core.corpus import Corpus, read_table
from llmstudio.core.delimited_fast import Irregular


def read_through_copy(monkeypatch, path: Path) -> Corpus:
    """read_table of ``path`` through the temporary UTF-8 copy written line by line
    (``transcode_file``): neither decoded cell by cell nor converted while pyarrow parses."""

    def refuse(*_args, **_kwargs):
        raise Irregular

    with monkeypatch.context() as m:
        m.setattr(delimited, "decodes_per_cell", lambda _fallback: False)
        m.setattr(delimited, "_read_mixed_stream", refuse)
        return read_table(path)
