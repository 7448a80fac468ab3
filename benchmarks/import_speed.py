#!/usr/bin/env python3
"""Import speed: ``llmstudio.core.corpus.read_table`` against ``pandas.read_csv(engine="pyarrow")``.

Goal (from the issue): importing a 1,000,000-row (~200 MB) CSV takes at most 1.5x the time
and 2x the peak memory of ``pandas.read_csv(path, engine="pyarrow")`` on the same file, in
the same run.

    .venv/bin/python benchmarks/import_speed.py                 # 1,000,000 rows, 3 repeats
    .venv/bin/python benchmarks/import_speed.py --rows 100000 --repeat 5
    .venv/bin/python benchmarks/import_speed.py --write         # also record in RESULTS.md
    .venv/bin/python benchmarks/import_speed.py --breakdown     # where read_table's time goes

The CSV is generated once (fixed seed, so byte for byte the same file on every machine) and
cached under ``benchmarks/data/`` (git-ignored); it is regenerated when the row count asked
for differs. Columns: id, date, group, country, text, score. The text column holds
tweet/survey-like sentences of varying length; some contain commas and double quotes (so
they are quoted), a few contain non-ASCII letters and emoji, none contain newlines (so the
pandas baseline can read it too), and 0.5% are empty (non-responses).

Every reader runs in a fresh subprocess, once per repeat, so that the peak memory is that
reader's alone. The rounds are interleaved (a b c d, a b c d, ...) so that drift in the
machine's speed hits every reader alike. Readers:

(a) ``pandas.read_csv(path, engine="pyarrow")``: the baseline the goal is stated against;
(b) the same with every column as text (``dtype=str, keep_default_na=False``): the
    like-for-like comparison, since llmstudio keeps every cell as its exact text;
(c) ``llmstudio.core.corpus.read_table(path)``: what the app does on File > Open;
(d) llmstudio's exact Python path alone (encoding check, then ``delimited_exact.parse_records``
    streaming the file through the csv module into Arrow chunks):
    what ``read_table`` would cost if its pyarrow fast path refused the file;
(e) ``read_table`` on a copy of the file that mixes encodings: every line whose text
    cp1252 can write (the accented ones; not those with emoji) is written in cp1252, the
    others stay UTF-8, from line 2 on (so the first megabyte is mixed already). It is
    converted line by line as pyarrow parses it (``core.mixed_stream``); its cells must be
    those of (c), and its time is compared with (c)'s: goal under 2x (issue 14).

Time is the wall time of the read call alone (imports excluded). Peak memory is the child's
``ru_maxrss`` (``getrusage(RUSAGE_SELF)``). On Linux a child's ``ru_maxrss`` starts at its
parent's resident size at fork time (the kernel carries the peak over ``exec``), so the
parent here imports only the standard library and generates the data in a subprocess as
well; the child's ``VmHWM`` (its own peak, from /proc/self/status) is recorded alongside as
a cross-check. The child's resident size after its imports ("base") is shown too, so the
increment due to the read itself is visible.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA_DIR = HERE / "data"
DATA_FILE = DATA_DIR / "import_speed.csv"
META_FILE = DATA_DIR / "import_speed.json"
RESULTS = HERE / "RESULTS.md"

SEED = 20240108
GENERATOR_VERSION = 1  # bump when the generated file changes, to invalidate caches
CHUNK_ROWS = 100_000
COLUMNS = ["id", "date", "group", "country", "text", "score"]

TIME_GOAL = 1.5
MEMORY_GOAL = 2.0
MIXED_GOAL = 2.0  # (e) against (c): line-by-line decoding of a mixed file
MIXED_FILE = DATA_DIR / "import_speed_mixed.csv"

READERS = {
    "a": 'pandas.read_csv(engine="pyarrow")',
    "b": 'pandas.read_csv(engine="pyarrow", dtype=str, keep_default_na=False)',
    "c": "llmstudio read_table",
    "d": "llmstudio exact path (parse_records, streamed)",
    "e": "llmstudio read_table, mixed UTF-8 + cp1252 copy",
}

# --------------------------------------------------------------------------------------
# Data generation (runs in a subprocess: numpy + pyarrow would raise the parent's RSS,
# which Linux carries over into every child's ru_maxrss).
# --------------------------------------------------------------------------------------

GROUPS = [
    "Labour",
    "Conservative",
    "Liberal Democrat",
    "Green",
    "Reform",
    "SNP",
    "Plaid Cymru",
    "Independent",
    "None",
    "Don't know",
]
GROUP_WEIGHTS = [30, 24, 11, 8, 9, 3, 1, 4, 7, 3]
COUNTRIES = [
    "United Kingdom",
    "Ireland",
    "United States",
    "Canada",
    "Australia",
    "Germany",
    "France",
    "Netherlands",
    "Spain",
    "Italy",
    "Poland",
    "India",
    "Nigeria",
    "South Africa",
    "New Zealand",
    "Brazil",
    "Mexico",
    "Japan",
    "Korea, Republic of",
    "Côte d'Ivoire",
    "Türkiye",
    "Österreich",
]
COUNTRY_WEIGHTS = [40, 6, 15, 5, 5, 4, 4, 2, 2, 2, 2, 3, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5]

# Words of a tweet or an open survey answer, most frequent first (weights follow Zipf).
WORDS = """
the to and of a I in is it that for on this be not they with we are have was but just
my so all about what people do can if at our like you no more there out get it's don't
one their up how would will from by think or an as been government council them when
why than need time really even now because should who any much know still local area
only very new years some good money housing rents going make see want work things
services cost living bad better never right nothing too year help over being same back
NHS GP school schools roads potholes buses trains police crime bins rubbish parking
streets park library jobs wages prices energy bills food tax taxes rates pension care
doctors nurses hospital waiting lists appointment weeks months flooding climate trees
planning houses flats estate developers landlords tenants young old families kids
children elderly disabled community neighbours town city village centre high street
shops closed empty boarded pubs cafes transport cycle lanes traffic pollution air
noise safety safe scared angry frustrated worried hopeful pleased happy tired fed
let down ignored listened promises broken vote voted election MP councillor party
Labour Tories Conservatives Lib Dems Greens Reform leader minister Westminster
honestly seriously literally basically actually probably definitely absolutely
getting worse better slowly finally again every day week morning night ages
cannot afford rent mortgage heating eat skip meals queue hours phone online email
nobody answers complaint months later still waiting fixed broken promised delivered
lol tbh imo smh ffs omg #localgov #housingcrisis #NHS #costofliving #potholes #climate
@yourcouncil @BBCNews @MP_office https://t.co/x7Kq2 🙄 😡 👍 🤷 ❤️ café naïve déjà vu
""".split()
# Tokens that carry commas or double quotes, so the texts holding them must be quoted.
SPECIAL = [
    "but,",
    "however,",
    "honestly,",
    "well,",
    "yes,",
    "no,",
    "so,",
    "sadly,",
    "and,",
    "again,",
    "etc,",
    '"levelling up"',
    '"consultation"',
    '"fair"',
    '"affordable"',
    '"temporary"',
    '"we hear you"',
    '6"',
    '12"',
    "'quote'",
]
SPECIAL_SHARE = 0.025  # of all tokens
ENDINGS = [".", ".", ".", "", "!", "?", "...", "!!", " :(", " :)"]


def _generate_chunk(rng, start: int, n: int):
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    words = pa.array(WORDS + SPECIAL)
    ranks = np.arange(1, len(WORDS) + 1, dtype=float)
    zipf = 1.0 / ranks**0.9
    p = np.concatenate(
        [
            zipf / zipf.sum() * (1 - SPECIAL_SHARE),
            np.full(len(SPECIAL), SPECIAL_SHARE / len(SPECIAL)),
        ]
    )

    # Text: a varying number of words (short tweets to long survey answers).
    counts = np.clip(np.rint(rng.gamma(2.2, 14.5, n)), 1, 120).astype(np.int32)
    tokens = words.take(pa.array(rng.choice(len(p), size=int(counts.sum()), p=p)))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    text = pc.binary_join(pa.ListArray.from_arrays(offsets, tokens), " ")
    text = pc.binary_join_element_wise(
        pc.utf8_upper(pc.utf8_slice_codeunits(text, 0, 1)), pc.utf8_slice_codeunits(text, 1), ""
    )
    ending = pa.array(ENDINGS).take(pa.array(rng.integers(0, len(ENDINGS), n)))
    text = pc.binary_join_element_wise(text, ending, "")
    empty = pa.array(rng.random(n) < 0.005)
    text = pc.if_else(empty, pa.scalar(""), text)

    ids = pa.array(np.arange(start + 1, start + n + 1)).cast(pa.string())
    day0 = np.datetime64("2023-01-01")
    dates = pa.array(day0 + rng.integers(0, 730, n).astype("timedelta64[D]")).cast(pa.string())
    gw = np.array(GROUP_WEIGHTS, float)
    groups = pa.array(GROUPS).take(pa.array(rng.choice(len(GROUPS), n, p=gw / gw.sum())))
    cw = np.array(COUNTRY_WEIGHTS, float)
    countries = pa.array(COUNTRIES).take(pa.array(rng.choice(len(COUNTRIES), n, p=cw / cw.sum())))
    scores = pa.array(np.round(np.clip(rng.normal(0.05, 0.45, n), -1, 1), 2)).cast(pa.string())

    def quoted(col):  # RFC 4180 quoting, only where needed (as Excel and pandas write)
        need = pc.or_(pc.match_substring(col, ","), pc.match_substring(col, '"'))
        esc = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
        return pc.if_else(need, esc, col)

    line = pc.binary_join_element_wise(
        ids, dates, quoted(groups), quoted(countries), quoted(text), scores, ","
    )
    line = pc.binary_join_element_wise(line, "\n", "")
    offs = np.frombuffer(
        line.buffers()[1], dtype=np.int32, count=len(line) + 1, offset=line.offset * 4
    )
    return memoryview(line.buffers()[2])[offs[0] : offs[-1]]


def generate(rows: int, path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".csv.part")
    with open(part, "wb") as fh:
        fh.write((",".join(COLUMNS) + "\n").encode())
        for start in range(0, rows, CHUNK_ROWS):
            fh.write(_generate_chunk(rng, start, min(CHUNK_ROWS, rows - start)))
    os.replace(part, path)


def mix(clean: Path, out: Path) -> None:
    """Write ``clean`` again with every line cp1252 can encode (and that is not ASCII) in
    cp1252, the others as they are: a file that mixes encodings line by line."""
    part = out.with_suffix(".csv.part")
    with open(clean, "rb") as src, open(part, "wb") as dst:
        for line in src:
            if not line.isascii():
                try:
                    line = line.decode("utf-8").encode("cp1252")
                except UnicodeEncodeError:
                    pass
            dst.write(line)
    os.replace(part, out)


def ensure_mixed(rows: int) -> Path:
    """The mixed-encoding copy of the generated CSV (made again when that is newer)."""
    clean = ensure_data(rows)
    if not MIXED_FILE.exists() or MIXED_FILE.stat().st_mtime < clean.stat().st_mtime:
        print(f"writing the mixed-encoding copy {MIXED_FILE.relative_to(ROOT)} ...", flush=True)
        subprocess.run(
            [sys.executable, __file__, "--_mix", str(clean), str(MIXED_FILE)], check=True
        )
    return MIXED_FILE


def ensure_data(rows: int) -> Path:
    """The cached CSV of ``rows`` rows, generated (in a subprocess) when missing or stale."""
    want = {"rows": rows, "seed": SEED, "generator": GENERATOR_VERSION}
    try:
        meta = json.loads(META_FILE.read_text())
        if (
            DATA_FILE.exists()
            and {k: meta.get(k) for k in want} == want
            and DATA_FILE.stat().st_size == meta.get("bytes")
        ):
            return DATA_FILE
    except (OSError, ValueError):
        pass
    print(f"generating {rows:,} rows into {DATA_FILE.relative_to(ROOT)} ...", flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--_generate", str(rows), str(DATA_FILE)], check=True)
    size = DATA_FILE.stat().st_size
    META_FILE.write_text(json.dumps({**want, "bytes": size}, indent=1) + "\n")
    print(
        f"  {size / 1e6:.1f} MB, {size / max(rows, 1):.0f} bytes/row, "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    return DATA_FILE


# --------------------------------------------------------------------------------------
# Child: one reader, one run, JSON on stdout.
# --------------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _fingerprint(frame) -> str:
    """Hash of every cell's text, to compare the readers that keep text exactly."""
    import hashlib

    h = hashlib.sha1()
    for name in frame.columns:
        h.update(str(name).encode() + b"\0")
        col = frame[name].astype(object).where(frame[name].notna(), None)
        h.update("\x1f".join("\x00" if v is None else str(v) for v in col).encode())
    return h.hexdigest()[:16]


def child(reader: str, path: str, rows: int) -> None:
    import resource

    import pandas as pd
    import pyarrow  # noqa: F401  (imported by every reader, so not timed in any)
    import pyarrow.csv  # noqa: F401

    if reader in "cde":
        from llmstudio.core import corpus, delimited_exact, sniff  # noqa: F401
    base_kb = _status_kb("VmRSS")

    t0 = time.perf_counter()
    if reader == "a":
        frame = pd.read_csv(path, engine="pyarrow")
    elif reader == "b":
        frame = pd.read_csv(path, engine="pyarrow", dtype=str, keep_default_na=False)
    elif reader in "ce":
        read = corpus.read_table(path)
        frame = read.frame
    elif reader == "d":
        # What read_delimited does when pyarrow refuses the file: check the encoding in
        # chunks, then stream the file through the csv module into Arrow chunks.
        dialect = sniff.Dialect("utf-8", ",", True, 0, newlines_in_values=False)
        problems = []
        used = delimited_exact.check_encoding(Path(path), dialect.encoding, False, problems)
        with open(path, "rb") as raw:
            import io

            stream = io.TextIOWrapper(
                raw, encoding=delimited_exact.stream_encoding(Path(path), used), newline=""
            )
            frame, more, _ = delimited_exact.parse_records(stream, dialect)
        assert not problems + more, (problems + more)[:3]
    else:
        raise SystemExit(f"unknown reader {reader!r}")
    seconds = time.perf_counter() - t0

    out = {
        "reader": reader,
        "seconds": seconds,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "hwm_kb": _status_kb("VmHWM"),
        "base_kb": base_kb,
        "shape": list(frame.shape),
        "dtypes": sorted({str(t) for t in frame.dtypes}),
    }
    if reader in "ce":
        out["encoding"] = read.encoding
        out["problems"] = [str(p) for p in read.problems]
    if list(frame.shape) != [rows, len(COLUMNS)] or [str(c) for c in frame.columns] != COLUMNS:
        out["error"] = (
            f"expected {rows} rows x columns {COLUMNS}, got {frame.shape[0]} rows "
            f"x {list(frame.columns)}"
        )
    if reader in "bcde":
        out["fingerprint"] = _fingerprint(frame)
    print(json.dumps(out))


def run_child(reader: str, path: Path, rows: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, __file__, "--_child", reader, str(path), str(rows)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"reader ({reader}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------
# Breakdown: where read_table's time goes (stages timed by wrapping llmstudio's functions
# in the child; nothing under llmstudio/ is changed).
# --------------------------------------------------------------------------------------

STAGES = [
    ("sniff_file", "sniff_file: encoding, delimiter, header from the first 1 MB"),
    ("read_csv", "pyarrow.csv.read_csv (inside read_fast)"),
    ("to_pandas", "rest of read_fast: rename_columns + Table.to_pandas"),
    ("suggest_text_column", "suggest_text_column: mean length of every column"),
    ("other", "everything else in read_table"),
]


def breakdown_child(path: str) -> None:
    """One read_table with its stages timed, by wrapping llmstudio's functions in place."""
    import pyarrow.csv as pacsv

    from llmstudio.core import corpus, delimited, delimited_fast

    times: dict[str, float] = {}
    peaks: dict[str, int] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[name] = times.get(name, 0.0) + time.perf_counter() - t0
                peaks[name] = _status_kb("VmHWM")

        return wrapper

    class _Csv:  # stands in for the ``pacsv`` module inside llmstudio.core.delimited_fast
        def __getattr__(self, name):
            return getattr(pacsv, name)

    proxy = _Csv()
    proxy.read_csv = timed("read_csv", pacsv.read_csv)
    delimited_fast.pacsv = proxy
    corpus.sniff_file = timed("sniff_file", corpus.sniff_file)
    delimited.read_fast = timed("read_fast", delimited.read_fast)
    corpus.read_delimited = timed("read_delimited", delimited.read_delimited)
    corpus.suggest_text_column = timed("suggest_text_column", corpus.suggest_text_column)
    base = _status_kb("VmRSS")

    t0 = time.perf_counter()
    corpus.read_table(path)
    total = time.perf_counter() - t0
    if "read_fast" not in times or times["read_delimited"] > times["read_fast"] + 0.05:
        raise SystemExit("read_table did not take the pyarrow fast path on this file")
    stages = {
        "sniff_file": times["sniff_file"],
        "read_csv": times["read_csv"],
        "to_pandas": times["read_fast"] - times["read_csv"],
        "suggest_text_column": times["suggest_text_column"],
    }
    stages["other"] = total - sum(stages.values())
    print(
        json.dumps(
            {
                "total": total,
                "stages": stages,
                "base_kb": base,
                "peak_after_kb": {
                    "sniff_file": peaks["sniff_file"],
                    "read_csv": peaks["read_csv"],
                    "to_pandas": peaks["read_fast"],
                    "suggest_text_column": peaks["suggest_text_column"],
                    "other": _status_kb("VmHWM"),
                },
            }
        )
    )


def breakdown(path: Path, repeat: int) -> str:
    """Median time of each read_table stage over ``repeat`` fresh processes, as a table."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = []
    for _ in range(repeat):
        proc = subprocess.run(
            [sys.executable, __file__, "--_breakdown", str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        if proc.returncode != 0:
            raise SystemExit(f"breakdown failed:\n{proc.stderr[-3000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    total = statistics.median(r["total"] for r in runs)
    lines = [
        "| read_table stage | median time (s) | share | peak RSS after it (MB) |",
        "|---|---:|---:|---:|",
    ]
    for key, label in STAGES:
        secs = statistics.median(r["stages"][key] for r in runs)
        peak = statistics.median(r["peak_after_kb"][key] for r in runs) / 1024
        lines.append(f"| {label} | {secs:.3f} | {100 * secs / total:.0f}% | {peak:.0f} |")
    base = statistics.median(r["base_kb"] for r in runs) / 1024
    lines.append(f"| **read_table total** (base RSS {base:.0f} MB) | {total:.3f} | 100% | |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Parent: run, tabulate, record.
# --------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(re.search(r"MemTotal:\s+(\d+)", fh.read()).group(1))
            ram = f"{kb / 1024**2:.1f} GiB"
    except (OSError, AttributeError):
        pass
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pandas, pyarrow, numpy; "
            "print(pandas.__version__, pyarrow.__version__, numpy.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": ram,
        "os": platform.platform(),
        "revision": rev,
        "python": platform.python_version(),
        "pandas": out[0],
        "pyarrow": out[1],
        "numpy": out[2],
    }


def summarise(runs: dict[str, list[dict]]) -> list[dict]:
    rows = []
    for key, results in runs.items():
        rows.append(
            {
                "key": key,
                "reader": READERS[key],
                "seconds": statistics.median(r["seconds"] for r in results),
                "min_seconds": min(r["seconds"] for r in results),
                "peak_mb": max(r["maxrss_kb"] for r in results) / 1024,
                "hwm_mb": max(r["hwm_kb"] for r in results) / 1024,
                "base_mb": statistics.median(r["base_kb"] for r in results) / 1024,
            }
        )
    ref = {r["key"]: r for r in rows}
    for r in rows:
        for other in ("a", "b"):
            if other in ref:
                r[f"t_{other}"] = r["seconds"] / ref[other]["seconds"]
                r[f"m_{other}"] = r["peak_mb"] / ref[other]["peak_mb"]
    return rows


def table(rows: list[dict]) -> str:
    head = [
        "reader",
        "median time (s)",
        "min time (s)",
        "peak RSS (MB)",
        "base RSS (MB)",
        "time vs (a)",
        "mem vs (a)",
        "time vs (b)",
        "mem vs (b)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * 8) + "|"]
    for r in rows:
        cells = [
            f"({r['key']}) {r['reader']}".replace("|", "\\|"),
            f"{r['seconds']:.2f}",
            f"{r['min_seconds']:.2f}",
            f"{r['peak_mb']:.0f}",
            f"{r['base_mb']:.0f}",
        ]
        for k in ("t_a", "m_a", "t_b", "m_b"):
            cells.append(f"{r[k]:.2f}x" if k in r else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def mixed_verdict(rows: list[dict]) -> str:
    ref = {r["key"]: r for r in rows}
    if "c" not in ref or "e" not in ref:
        return "mixed-file goal not checked (needs readers c and e)"
    t = ref["e"]["seconds"] / ref["c"]["seconds"]
    m = ref["e"]["peak_mb"] / ref["c"]["peak_mb"]
    return (
        f"goal (read_table on the mixed file < {MIXED_GOAL}x the time of (c), the same "
        f"file in UTF-8): time {t:.2f}x (min times: "
        f"{ref['e']['min_seconds'] / ref['c']['min_seconds']:.2f}x), memory {m:.2f}x -> "
        f"{'PASS' if t < MIXED_GOAL else 'FAIL'}"
    )


def verdict(rows: list[dict]) -> str:
    ref = {r["key"]: r for r in rows}
    if "a" not in ref or "c" not in ref:
        return "goal not checked (needs readers a and c)"
    t, m = ref["c"]["t_a"], ref["c"]["m_a"]
    ok_t, ok_m = t <= TIME_GOAL, m <= MEMORY_GOAL
    return (
        f"goal (read_table <= {TIME_GOAL}x the time and <= {MEMORY_GOAL}x the peak memory "
        f"of (a)): time {t:.2f}x {'met' if ok_t else 'NOT met'}, memory {m:.2f}x "
        f"{'met' if ok_m else 'NOT met'} -> {'PASS' if ok_t and ok_m else 'FAIL'}"
    )


def write_results(section_key: str, body: str) -> None:
    """Put ``body`` in RESULTS.md between markers named ``section_key``, replacing an earlier
    section with the same key (same benchmark, size and machine) or appending a new one."""
    begin = f"<!-- {section_key} -->"
    end = f"<!-- /{section_key} -->"
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    text = (
        RESULTS.read_text()
        if RESULTS.exists()
        else (
            "# Benchmark results\n\nWritten by the scripts in this folder with `--write` (see "
            "README.md); each section is replaced when the same benchmark is run again with the "
            "same size on the same kind of machine.\n\n"
        )
    )
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text)


# Shared with the other benchmarks in this folder (gui_responsiveness.py imports them).


def ensure_file(rows: int) -> Path:
    """The generated CSV of ``rows`` rows (the one this benchmark reads)."""
    return ensure_data(rows)


def machine_line() -> str:
    """One line naming the machine and the versions, for a RESULTS.md section."""
    m = machine()
    return (
        f"Machine: {m['nproc']} CPUs (`nproc`), {m['cpu']}, {m['ram']} RAM; {m['os']}. "
        f"Python {m['python']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}, numpy "
        f"{m['numpy']}; llmstudio at `{m['revision']}`."
    )


def median_seconds(func, arg, rounds: int = 3) -> float:
    """The median wall time of ``func(arg)`` over ``rounds`` calls (seconds)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        func(arg)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def record(title: str, command: str, *parts: str) -> None:
    """Record a benchmark's result in RESULTS.md under ``title``: the machine, the command
    run (``command``, from the repository root), when and under what load, then ``parts``
    (the table, notes), a blank line between each. One shape for every benchmark."""
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M")
    load = f"load average (1 min) at the end {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    lines = [machine_line(), f"`.venv/bin/python benchmarks/{command}`, {when} UTC, {load}."]
    write_section(title, "\n\n".join([*lines, *parts]))


def write_section(title: str, body: str) -> None:
    """Record ``body`` under the heading ``title`` in RESULTS.md (replacing that section)."""
    m = machine()
    write_results(f"{title} cpu={m['cpu']} nproc={m['nproc']}", f"## {title}\n\n{body}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_generate"]:
        generate(int(argv[1]), Path(argv[2]))
        return 0
    if argv[:1] == ["--_mix"]:
        mix(Path(argv[1]), Path(argv[2]))
        return 0
    if argv[:1] == ["--_child"]:
        child(argv[1], argv[2], int(argv[3]))
        return 0
    if argv[:1] == ["--_breakdown"]:
        breakdown_child(argv[1])
        return 0

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows in the CSV (1,000,000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each reader (3)")
    ap.add_argument("--readers", default="abcde", help="which readers to run (abcde)")
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    ap.add_argument(
        "--breakdown",
        action="store_true",
        help="also time read_table's stages (sniff, pyarrow read, to_pandas, ...)",
    )
    args = ap.parse_args(argv)
    readers = [k for k in "abcde" if k in args.readers]
    if not readers or set(args.readers) - set("abcde"):
        ap.error("--readers takes letters among a, b, c, d, e")

    path = ensure_data(args.rows)
    size = path.stat().st_size
    mixed_path = ensure_mixed(args.rows) if "e" in readers else None
    for cached in (path, mixed_path):  # into the page cache: no reader pays the disk
        if cached is not None:
            with open(cached, "rb") as fh:
                while fh.read(16 << 20):
                    pass
    print(
        f"{path.relative_to(ROOT)}: {args.rows:,} rows, {size / 1e6:.1f} MB; "
        f"{args.repeat} run(s) of each reader, each in a fresh process",
        flush=True,
    )

    load = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {k: [] for k in readers}
    for i in range(args.repeat):
        for key in readers:
            r = run_child(key, mixed_path if key == "e" else path, args.rows)
            runs[key].append(r)
            print(
                f"  run {i + 1}/{args.repeat} ({key}) {r['seconds']:7.2f} s  "
                f"peak {r['maxrss_kb'] / 1024:6.0f} MB  (VmHWM {r['hwm_kb'] / 1024:.0f} MB, "
                f"base {r['base_kb'] / 1024:.0f} MB)  {r['shape'][0]:,} x {r['shape'][1]}",
                flush=True,
            )
            if "error" in r:
                raise SystemExit(f"reader ({key}): {r['error']}")

    notes = []
    if "a" in runs and "c" in runs and runs["a"][0]["shape"] != runs["c"][0]["shape"]:
        raise SystemExit(
            f"read_table gave {runs['c'][0]['shape']}, pandas gave {runs['a'][0]['shape']}"
        )
    prints = {k: {r["fingerprint"] for r in runs[k]} for k in "bcde" if k in runs}
    if "c" in prints:
        for other in ("b", "d", "e"):
            if other in prints:
                same = prints[other] == prints["c"]
                notes.append(
                    f"cells of ({other}) {'identical to' if same else 'DIFFER from'} those of (c)"
                )
        if "d" in prints and prints["d"] != prints["c"]:
            raise SystemExit("read_table's fast path and its exact path disagree on this file")
        if "e" in prints and prints["e"] != prints["c"]:
            raise SystemExit("the mixed-encoding copy was not read back to the same cells")
    if "e" in runs:
        mixed_size = mixed_path.stat().st_size
        e = runs["e"][0]
        notes.append(
            f"mixed copy: {mixed_size / 1e6:.1f} MB ({mixed_size / size:.3f}x the "
            f"UTF-8 file's bytes), read with encoding {e['encoding']!r}; its "
            f"problem: {e['problems'][0][:220] if e['problems'] else 'NONE'}"
        )
        if not e["problems"]:
            raise SystemExit("the mixed-encoding copy was read without a problem")
    for key, results in runs.items():
        hwm = max(r["hwm_kb"] for r in results)
        rss = max(r["maxrss_kb"] for r in results)
        if rss > hwm * 1.05 + 2048:
            notes.append(
                f"({key}): ru_maxrss {rss / 1024:.0f} MB > VmHWM {hwm / 1024:.0f} MB "
                "(inherited from the parent?)"
            )

    rows = summarise(runs)
    out = table(rows)
    print()
    print(out)
    print()
    print(verdict(rows))
    if "e" in runs:
        print(mixed_verdict(rows))
    for n in notes:
        print("note:", n)

    stages = ""
    if args.breakdown:
        print(f"\nread_table stage by stage ({args.repeat} fresh processes):\n", flush=True)
        stages = breakdown(path, args.repeat)
        print(stages)

    if args.write:
        m = machine()
        key = f"import_speed rows={args.rows} cpu={m['cpu']} nproc={m['nproc']}"
        body = "\n".join(
            [
                f"## Import speed: {args.rows:,} rows ({size / 1e6:.0f} MB CSV)",
                "",
                f"- date: {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
                f"- machine: {m['nproc']} CPUs (`nproc`), {m['cpu']}, {m['ram']} RAM; {m['os']}",
                f"- versions: Python {m['python']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}, "
                f"numpy {m['numpy']}; llmstudio at `{m['revision']}` (`-dirty`: with uncommitted "
                "changes)",
                f"- command: `.venv/bin/python benchmarks/import_speed.py --rows {args.rows} "
                f"--repeat {args.repeat}"
                + (f" --readers {''.join(readers)}" if readers != list("abcde") else "")
                + (" --breakdown" if args.breakdown else "")
                + " --write`",
                f"- load average (1 min) when the runs began: {load:.2f}; other processes make "
                "the times noisy, so compare the min times too",
                f"- load average (1 min) when the runs ended: {os.getloadavg()[0]:.2f}",
                "- median wall time of the read call over the runs; peak RSS = the largest "
                "`ru_maxrss` of the fresh child process; base RSS = the child's RSS after its "
                "imports, before reading",
                "",
                out,
                "",
                f"**{verdict(rows)}**",
                *(["", f"**{mixed_verdict(rows)}**"] if "e" in runs else []),
                *(["", *[f"- {n}" for n in notes]] if notes else []),
                *(
                    [
                        "",
                        "Where read_table's time goes (`--breakdown`: each stage timed by wrapping "
                        "llmstudio's functions in a fresh process; medians):",
                        "",
                        stages,
                    ]
                    if stages
                    else []
                ),
            ]
        )
        write_results(key, body)
        print(f"\nrecorded in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
