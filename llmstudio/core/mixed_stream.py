"""A file that mixes encodings (see :mod:`mixed_encoding`) converted to UTF-8 line by line:
as a stream that pyarrow's CSV reader parses while the next block is converted, with no
copy of the file (:class:`Utf8Lines`), or into a file (:func:`transcode_file`).

Each line that is valid UTF-8 is kept as it is, each other line decoded from the
fallback; the lines that took the fallback are counted and numbered as the parser numbers
lines (:class:`FallbackLines`).
"""

from __future__ import annotations

import io
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

from .mixed_encoding import (
    CHUNK_BYTES,
    FallbackLines,
    analyse_lines,
    decoded_lines,
    ends_with_eol,
    line_blocks,
)


def _converted(block, fallback: str):
    """One block of whole lines as UTF-8, each line that is not valid UTF-8 decoded from
    ``fallback`` (the block itself where none is; else a buffer from Arrow's memory pool,
    which reuses the memory of the blocks Arrow has parsed), and its analysis (lines
    numbered from the block's first)."""
    info = analyse_lines(block, 1)
    if not len(info.starts):
        return info, block
    mv = memoryview(block)
    starts, ends = info.starts.tolist(), info.ends.tolist()
    done = decoded_lines(mv, starts, ends, fallback)
    buf = pa.allocate_buffer(len(block) + sum(map(len, done)) - sum(ends) + sum(starts))
    # Written piece by piece: b"".join would take fresh memory from the C allocator for
    # every block, whose page faults cost more than this loop.
    out = memoryview(buf).cast("B")
    pos = at = 0
    for s, e, line in zip(starts, ends, done):
        out[pos : pos + s - at] = mv[at:s]
        pos += s - at
        out[pos : pos + len(line)] = line
        pos += len(line)
        at = e
    out[pos:] = mv[at:]
    return info, buf


def transcode_file(path: Path, out: BinaryIO, fallback: str) -> FallbackLines:
    """Write the file at ``path`` to ``out`` as UTF-8, each line that is not valid UTF-8
    decoded from ``fallback``; the same lines, line for line (a BOM is left out)."""
    report = FallbackLines(fallback)

    def put(job) -> None:
        info, data = job.result()
        report.add_block(info)
        out.write(data)

    # Two blocks converted at once (numpy and the codecs leave the GIL for much of it),
    # written in order; at most three blocks are held.
    with open(path, "rb") as fh, ThreadPoolExecutor(2) as pool:
        pending: deque = deque()
        for block in line_blocks(fh):
            pending.append(pool.submit(_converted, block, fallback))
            if len(pending) > 2:
                put(pending.popleft())
        while pending:
            put(pending.popleft())
    report.end(ends_with_eol(path))
    return report


class Utf8Lines(io.RawIOBase):
    """The file at ``path`` as :func:`transcode_file` writes it, read as a stream with no
    copy of the file: each ``read`` converts the next block of whole lines. Made for
    pyarrow's CSV reader, which calls ``read`` from its own thread while it parses the
    blocks before, so converting and parsing overlap. ``report`` is complete once the
    stream was read to its end."""

    def __init__(self, path: Path, fallback: str):
        super().__init__()
        self._fh = open(path, "rb")
        self._blocks = line_blocks(self._fh)
        self._pending = memoryview(b"")
        self._last = b""
        self.report = FallbackLines(fallback)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> memoryview:
        """At most ``size`` bytes, the end of the stream when empty: a view of the
        converted block, not a copy (with -1: the rest of the stream, joined)."""
        if size is None or size < 0:
            return memoryview(b"".join(iter(lambda: self.read(CHUNK_BYTES), b"")))
        if not self._pending:
            block = next(self._blocks, None)
            if block is None:  # the end of the file
                if not self._fh.closed:
                    self.report.end(self._last in (b"\n", b"\r"))
                    self._fh.close()
                return memoryview(b"")
            info, data = _converted(block, self.report.encoding)
            self.report.add_block(info)
            self._last = bytes(block[-1:])
            self._pending = memoryview(data)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def close(self) -> None:
        self._fh.close()
        super().close()
