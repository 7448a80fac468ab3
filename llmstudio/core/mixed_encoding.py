"""Files that mix UTF-8 lines with lines in a legacy encoding (cp1252, latin-1, ...).

Two exports pasted into one file, or one old row typed on Windows, give a file no single
codec reads: read as UTF-8 it fails, read as cp1252 its UTF-8 lines turn into mojibake
(``café`` -> ``cafÃ©``). Such a file is decoded line by line instead: UTF-8 where the line
is valid UTF-8, the fallback encoding elsewhere, and the fallback lines are reported.

The work is done on bytes, never on decoded text, so that it costs little beside the
parse: a block that is valid UTF-8 (checked by Arrow's SIMD validator) is kept as it
is; in the other blocks numpy finds the lines holding an invalid sequence from the
positions of the non-ASCII bytes alone, and only those lines are decoded in Python.
Lines end at ``\\r\\n``, ``\\r`` or ``\\n`` and are numbered from 1, as the parser numbers
them; a multi-byte character never spans a line end, so lines decode independently.

The converted lines are fed to pyarrow as it parses them, or written to a temporary copy
(:mod:`mixed_stream`). Where the file was parsed already before it was found to mix
encodings, its cells are decoded instead (:mod:`mixed_cells`).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

CHUNK_BYTES = 8 << 20
SCAN_BYTES = 1 << 20  # the piece non_ascii compares at once
MAX_LISTED_LINES = 10
GUESS_BYTES = 16 << 10  # bad lines kept to guess their encoding from
UTF8_BOM = codecs.BOM_UTF8

# Continuation bytes a UTF-8 lead byte needs (0: a continuation byte, -1: never valid).
_NEED = np.full(256, -1, dtype=np.int8)
_NEED[0x80:0xC0] = 0
_NEED[0xC2:0xE0] = 1
_NEED[0xE0:0xF0] = 2
_NEED[0xF0:0xF5] = 3
# The second byte's range where it is narrower than 80-BF (no overlong forms, no
# surrogates, nothing past U+10FFFF): RFC 3629, what Python's strict decoder accepts.
_SECOND = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F), 0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}


def _keep_byte(exc: UnicodeDecodeError) -> tuple[str, int]:
    # A byte the fallback leaves undefined (0x81 in cp1252) becomes the latin-1 character
    # of the same number, as browsers do: nothing is dropped, nothing raises.
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error("llmstudio-keep-byte", _keep_byte)


def is_valid_utf8(data) -> bool:
    """Whether ``data`` (bytes or a memoryview) is valid UTF-8, without decoding it."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    array = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


@dataclass
class _Block:
    """What one block of whole lines holds: the byte spans of its lines that are not valid
    UTF-8, their 1-based line numbers, whether some other line has non-ASCII bytes (so is
    UTF-8 text beyond ASCII), and how many lines it holds."""

    starts: np.ndarray
    ends: np.ndarray
    numbers: np.ndarray
    utf8_beyond_ascii: bool
    lines: int


def _has_cr(data) -> bool:
    """Whether ``data`` (bytes, or a memoryview of the start of bytes) holds a \\r."""
    whole = data.obj if isinstance(data, memoryview) else data
    return whole.find(b"\r", 0, len(data)) >= 0


def _count_lines(data) -> int:
    """Line ends (\\r\\n, \\r or \\n) in ``data``."""
    a = np.frombuffer(data, dtype=np.uint8)
    if not _has_cr(data):  # most files: \n alone (numpy counts faster than bytes.count)
        return int(np.count_nonzero(a == 10))
    cr = a == 13
    crlf = int(np.count_nonzero(cr[:-1] & (a[1:] == 10))) if len(a) > 1 else 0
    return int(np.count_nonzero(a == 10)) + int(np.count_nonzero(cr)) - crlf


def _where(a: np.ndarray, test) -> np.ndarray:
    """The positions in ``a`` where ``test(piece, out)`` (a ufunc call writing a boolean
    mask into ``out``) holds, ascending."""
    if len(a) <= SCAN_BYTES:
        return np.flatnonzero(test(a, np.empty(len(a), dtype=bool)))
    # Piece by piece into one small mask: a block-sized mask would be fresh memory on
    # every call from a worker thread, whose page faults cost more than the comparison.
    mask = np.empty(SCAN_BYTES, dtype=bool)
    found = []
    for i in range(0, len(a), SCAN_BYTES):
        piece = a[i : i + SCAN_BYTES]
        found.append(np.flatnonzero(test(piece, mask[: len(piece)])) + i)
    return np.concatenate(found)


def non_ascii(a: np.ndarray) -> np.ndarray:
    """The positions of the bytes of ``a`` (uint8) over 0x7F, ascending."""
    return _where(a.view(np.int8), lambda piece, out: np.less(piece, 0, out=out))


def _newlines(a: np.ndarray, has_cr: bool) -> np.ndarray:
    """The positions of the \\n bytes of ``a`` (uint8), and of its \\r bytes with
    ``has_cr``, ascending."""
    if not has_cr:
        return _where(a, lambda piece, out: np.equal(piece, 10, out=out))
    return _where(a, lambda piece, out: np.logical_or(piece == 10, piece == 13, out=out))


def invalid_bytes(
    a: np.ndarray, offsets: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The positions of the non-ASCII bytes of ``a`` (uint8) and, for each, whether it is
    part of no valid UTF-8 sequence; only those bytes are looked at. With ``offsets`` (``a``
    holds cells end to end, cell i from offsets[i] to offsets[i + 1]) a character must lie
    within one cell, and the third value is the cell of each of those bytes."""
    h = non_ascii(a)
    cell = None if offsets is None else np.searchsorted(offsets, h, side="right") - 1
    b = a[h]
    need = _NEED[b]
    n = len(h)
    bad = need < 0
    claimed = np.zeros(n, dtype=bool)
    cont = (b & 0xC0) == 0x80
    for k in (1, 2, 3):
        lead = np.flatnonzero(need >= k)
        nxt = lead + k
        inside = nxt < n
        ok = np.zeros(len(lead), dtype=bool)
        first, last = lead[inside], nxt[inside]
        ok[inside] = (h[last] == h[first] + k) & cont[last]
        if cell is not None:
            ok[inside] &= cell[last] == cell[first]
        if k == 1:
            for byte, (lo, hi) in _SECOND.items():
                special = ok & (b[lead] == byte)
                second = b[nxt[special]]
                ok[special] = (second >= lo) & (second <= hi)
        bad[lead[~ok]] = True
        claimed[nxt[ok]] = True
    bad |= cont & ~claimed
    return h, bad, cell


def analyse_lines(data, first_line: int) -> _Block:
    """The lines of ``data`` (bytes ending at a line end, or at the end of the input) that
    are not valid UTF-8."""
    empty = np.zeros(0, dtype=np.int64)
    if is_valid_utf8(data):
        return _Block(empty, empty, empty, not _is_ascii(data), _count_lines(data))
    a = np.frombuffer(data, dtype=np.uint8)
    h, bad, _ = invalid_bytes(a)
    # Line ends: \r and \n both end lines; the \n of a \r\n ends an empty "line" that no
    # non-ASCII byte falls in, and is not counted when numbering lines.
    has_cr = _has_cr(data)
    eol = _newlines(a, has_cr)
    line_of = np.searchsorted(eol, h)  # index of the line each non-ASCII byte is in (sorted)
    bad_of = line_of[bad]
    bad_lines = (
        bad_of[np.concatenate([[True], bad_of[1:] != bad_of[:-1]])] if len(bad_of) else bad_of
    )
    is_bad = np.zeros(len(eol) + 1, dtype=bool)
    is_bad[bad_lines] = True
    utf8_beyond_ascii = not bool(is_bad[line_of].all())
    bounds = np.concatenate([[-1], eol, [len(a) - 1]])  # line i is bounds[i]+1 .. bounds[i+1]
    starts = bounds[bad_lines] + 1
    ends = bounds[bad_lines + 1] + 1
    is_crlf_lf = np.zeros(len(eol), dtype=bool)
    if has_cr and len(eol):
        # A bad line ending in \r\n takes its \n too.
        crlf_end = (ends < len(a)) & (ends > 0)
        crlf_end[crlf_end] = (a[ends[crlf_end] - 1] == 13) & (a[ends[crlf_end]] == 10)
        ends = ends + crlf_end
        lf = a[eol] == 10
        prev_cr = np.zeros(len(eol), dtype=bool)
        prev_cr[1:] = (eol[1:] == eol[:-1] + 1) & (a[eol[:-1]] == 13)
        is_crlf_lf = lf & prev_cr
    skipped = np.concatenate([[0], np.cumsum(is_crlf_lf)])
    numbers = first_line + bad_lines - skipped[bad_lines]
    lines = len(eol) - int(is_crlf_lf.sum())
    return _Block(
        starts.astype(np.int64),
        ends.astype(np.int64),
        numbers.astype(np.int64),
        utf8_beyond_ascii,
        lines,
    )


def _is_ascii(data) -> bool:
    if isinstance(data, bytes):
        return data.isascii()
    return not np.any(np.frombuffer(data, dtype=np.int8) < 0)  # a view: not copied


def line_blocks(fh: BinaryIO):
    """Yield blocks of whole lines read from ``fh`` (seekable): bytes, or a memoryview of
    the start of bytes; a leading UTF-8 BOM is left out (no part of the first line)."""
    if fh.read(len(UTF8_BOM)) != UTF8_BOM:
        fh.seek(0)
    size = CHUNK_BYTES
    while True:
        data = fh.read(size)
        if len(data) < size:  # the end of the file
            if data:
                yield data
            return
        cut = data.rfind(b"\n") + 1
        if not cut:
            cut = data.rfind(b"\r", 0, len(data) - 1) + 1  # a last \r may be half of \r\n
        if not cut:
            fh.seek(-len(data), 1)
            size *= 2  # one line longer than a block: read it whole
            continue
        size = CHUNK_BYTES
        if cut < len(data):
            fh.seek(cut - len(data), 1)  # the cut line is read again with the next block
            yield memoryview(data)[:cut]  # (a view: no copy of the block)
        else:
            yield data


@dataclass
class FallbackLines:
    """The lines of a mixed file that were not valid UTF-8 and were read as ``encoding``."""

    encoding: str
    count: int = 0
    lines: list[int] = field(default_factory=list)  # the first MAX_LISTED_LINES
    total_lines: int = 0

    def add(self, numbers) -> None:
        self.count += len(numbers)
        room = MAX_LISTED_LINES - len(self.lines)
        if room > 0:
            self.lines.extend(int(n) for n in numbers[:room])

    def add_block(self, info: _Block) -> None:
        """Count the next block of lines (:func:`analyse_lines` numbers them from 1)."""
        self.add(info.numbers + self.total_lines)
        self.total_lines += info.lines

    def end(self, last_line_ended: bool) -> None:
        """Count the file's last line when it has no line end (or the file is empty)."""
        if self.total_lines == 0 or not last_line_ended:
            self.total_lines += 1

    @property
    def label(self) -> str:
        """How the file was decoded, as the encoding shown for it."""
        return f"utf-8 + {self.encoding}"

    def message(self) -> str:
        listed = ", ".join(f"{n:,}" for n in self.lines)
        more = f" and {self.count - len(self.lines):,} more" if self.count > len(self.lines) else ""
        one = self.count == 1
        others = max(0, self.total_lines - self.count)
        return (
            f"the file mixes encodings: {self.count:,} line{'' if one else 's'} "
            f"{'is' if one else 'are'} not valid UTF-8 and {'was' if one else 'were'} "
            f"read as {self.encoding} (line{'' if one else 's'} {listed}{more}); the "
            f"other {others:,} line{'' if others == 1 else 's'} as UTF-8. Check "
            f"{'that row' if one else 'those rows'}, or choose one encoding for the "
            "whole file"
        )


@dataclass
class Scan:
    """Whether a file mixes encodings: some line is not valid UTF-8 (``bad``) while some
    other line is UTF-8 beyond ASCII (``utf8``). ``sample`` holds the first bad lines, to
    guess their encoding from."""

    bad: bool = False
    utf8: bool = False
    sample: bytes = b""

    @property
    def mixed(self) -> bool:
        return self.bad and self.utf8


def _scan_block(scan: Scan, block, info: _Block) -> None:
    scan.utf8 = scan.utf8 or info.utf8_beyond_ascii
    if len(info.starts):
        scan.bad = True
        mv = memoryview(block)
        for s, e in zip(info.starts.tolist(), info.ends.tolist()):
            if len(scan.sample) >= GUESS_BYTES:
                break
            scan.sample += bytes(mv[s:e])


def scan_bytes(data: bytes, final: bool = True) -> Scan:
    """:class:`Scan` of ``data``; with ``final=False`` (the start of a longer file) the
    last, perhaps cut, line is left out."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if not final:
        cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
        data = data[:cut]
    scan = Scan()
    _scan_block(scan, data, analyse_lines(data, 1))
    return scan


def _no_multibyte(block) -> bool:
    """Whether ``block`` holds non-ASCII bytes but no UTF-8 lead byte followed at once by a
    continuation byte: then no character in it is UTF-8 beyond ASCII and each non-ASCII
    byte is invalid (a legacy code page's text, checked cheaply)."""
    a = np.frombuffer(block, dtype=np.uint8)
    h = non_ascii(a)
    if not len(h):
        return False
    pair = h[1:] == h[:-1] + 1
    b = a[h]
    lead = (b[:-1] >= 0xC2) & (b[:-1] <= 0xF4)
    return not bool(np.any(pair & lead & ((b[1:] & 0xC0) == 0x80)))


def _scan_step(scan: Scan, block, first_line: int) -> _Block | None:
    """One block's share of a scan; its analysis (lines numbered from ``first_line``), or
    None where the block needed none."""
    if _no_multibyte(block):  # most blocks of a file in a legacy code page
        scan.bad = True
        scan.sample = scan.sample or bytes(block[:GUESS_BYTES])
        return None
    info = analyse_lines(block, first_line)
    _scan_block(scan, block, info)
    return info


def scan_file(path: Path) -> Scan:
    """:class:`Scan` of the file at ``path``, stopping as soon as it is known to mix."""
    scan = Scan()
    with open(path, "rb") as fh:
        for block in line_blocks(fh):
            _scan_step(scan, block, 1)  # (a scan numbers no line)
            if scan.mixed:
                break
    return scan


@dataclass
class Survey:
    """A whole file's :class:`Scan` (as :func:`scan_file` makes it), the numbers of its
    first ``MAX_LISTED_LINES`` lines that are not valid UTF-8, and its number of lines."""

    scan: Scan
    first_bad: list[int]
    total_lines: int


def survey_file(path: Path) -> Survey:
    """:class:`Survey` of the file at ``path``: one read, the lines past the first bad ones
    only counted."""
    scan, first_bad, total = Scan(), [], 0
    with open(path, "rb") as fh:
        for block in line_blocks(fh):
            info = None if scan.mixed else _scan_step(scan, block, total + 1)
            if len(first_bad) < MAX_LISTED_LINES:
                info = info or analyse_lines(block, total + 1)
                first_bad.extend(int(n) for n in info.numbers[: MAX_LISTED_LINES - len(first_bad)])
            total += info.lines if info is not None else _count_lines(block)
    if total == 0 or not ends_with_eol(path):
        total += 1  # the last line has no line end
    return Survey(scan, first_bad, total)


def empty_lines(path: Path, numbers: np.ndarray) -> np.ndarray:
    """Which of the lines ``numbers`` (1-based, ascending) of the file at ``path`` are empty
    (nothing before their line end), as the parser numbers lines."""
    numbers = np.asarray(numbers, dtype=np.int64)
    empty = np.zeros(len(numbers), dtype=bool)
    done, first = 0, 1
    with open(path, "rb") as fh:
        for block in line_blocks(fh):
            if done == len(numbers):
                break
            ends, starts = _line_ends(block)
            upto = int(np.searchsorted(numbers, first + len(ends)))  # those ending here
            at = numbers[done:upto] - first
            empty[done:upto] = ends[at] == starts[at]
            done, first = upto, first + len(ends)
    return empty  # (a last line without a line end is never empty)


def _line_ends(block) -> tuple[np.ndarray, np.ndarray]:
    """The position of each line end in ``block`` (of a ``\\r\\n``, its ``\\r``) and where
    each of those lines starts."""
    a = np.frombuffer(block, dtype=np.uint8)
    if not _has_cr(block):
        ends = np.flatnonzero(a == 10)
        return ends, np.concatenate([[0], ends[:-1] + 1])
    ends = np.flatnonzero((a == 10) | (a == 13))
    lf = a[ends] == 10
    after_cr = lf & (ends > 0) & (a[np.maximum(ends - 1, 0)] == 13)
    ends = ends[~after_cr]
    width = 1 + (
        (a[ends] == 13) & (ends + 1 < len(a)) & (a[np.minimum(ends + 1, len(a) - 1)] == 10)
    )
    return ends, np.concatenate([[0], (ends + width)[:-1]])


def decoded_lines(mv: memoryview, starts: list[int], ends: list[int], fallback: str) -> list:
    """The lines of ``mv`` from ``starts`` to ``ends`` decoded from ``fallback``, in UTF-8."""
    # Decoded in one call, then cut apart again at their line ends (each ends with one,
    # but perhaps the very last line of the file; a single-byte code page makes no \r or
    # \n of another byte, which the count check makes sure of).
    bad = b"".join([mv[s:e] for s, e in zip(starts, ends)])
    done = bad.decode(fallback, errors="llmstudio-keep-byte").encode("utf-8").splitlines(True)
    if len(done) != len(starts):
        done = [
            bytes(mv[s:e]).decode(fallback, errors="llmstudio-keep-byte").encode("utf-8")
            for s, e in zip(starts, ends)
        ]
    return done


def _transcode_block(block, info: _Block, fallback: str, write) -> None:
    if not len(info.starts):
        write(block)
        return
    mv = memoryview(block)
    starts, ends = info.starts.tolist(), info.ends.tolist()
    parts = [None] * (2 * len(starts) + 1)
    parts[0::2] = [mv[a:b] for a, b in zip([0, *ends], [*starts, len(block)])]
    parts[1::2] = decoded_lines(mv, starts, ends, fallback)
    write(b"".join(parts))


def ends_with_eol(path: Path) -> bool:
    """Whether the file at ``path`` ends with a line end (an empty file counts as one)."""
    with open(path, "rb") as fh:
        try:
            fh.seek(-1, 2)
        except OSError:
            return True
        return fh.read(1) in (b"\n", b"\r")


def decode_mixed(data: bytes, fallback: str, final: bool = True) -> tuple[str, FallbackLines]:
    """``data`` decoded line by line (UTF-8 where valid, ``fallback`` elsewhere) and the
    lines that took the fallback. ``final=False``: ``data`` is the start of a longer file,
    whose last line may be cut inside a character (that character is left out)."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    tail = b""
    if not final:
        cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
        data, tail = data[:cut], data[cut:]
    report = FallbackLines(fallback)
    info = analyse_lines(data, 1)
    report.add(info.numbers)
    report.total_lines = info.lines
    parts: list = []
    _transcode_block(data, info, fallback, parts.append)
    text = parts[0].decode("utf-8")
    if tail:
        try:
            text += codecs.getincrementaldecoder("utf-8")().decode(tail, final=False)
        except UnicodeDecodeError:
            text += tail.decode(fallback, errors="llmstudio-keep-byte")
            report.add([info.lines + 1])
        report.total_lines += 1
    elif data and data[-1:] not in (b"\n", b"\r"):
        report.total_lines += 1
    return text, report


# -- The code pages a file can mix with UTF-8 (and whose cells mixed_cells decodes) -------


def single_byte(encoding: str) -> bool:
    """Whether ``encoding`` is a one-byte-per-character code page (cp1252, latin-1, cp1251,
    ...): the legacy encodings a file can mix with UTF-8 line by line."""
    try:
        return len(
            bytes(range(128, 256)).decode(encoding, errors="replace")
        ) == 128 and not encoding.lower().replace("_", "-").startswith("utf")
    except LookupError:
        return False


def decodes_per_cell(fallback: str) -> bool:
    """Whether ``fallback`` decodes a line as it decodes the line's cells: a one-byte code
    page that reads ASCII bytes as ASCII and no other byte as ASCII (no delimiter, quote or
    line end)."""
    if not single_byte(fallback):
        return False
    low = bytes(range(128)).decode(fallback, errors="replace")
    high = bytes(range(128, 256)).decode(fallback, errors="llmstudio-keep-byte")
    return low == "".join(map(chr, range(128))) and all(ord(ch) > 127 for ch in high)
