#!/usr/bin/env python3
"""Documents in: a folder of 1,000 documents (a third each PDF, DOCX, TXT; about 20 MB).

    .venv/bin/python benchmarks/document_import.py             # print the table
    .venv/bin/python benchmarks/document_import.py --write     # and record it in RESULTS.md

The folder is generated once (fixed seed) into ``benchmarks/data/documents_N/``: PDFs of
about five pages written byte by byte (``tests/helpers/pdf_files``), Word files from python-docx
(a heading, paragraphs, a table), UTF-8 text files. Timed in the same run, each as the
median of ``--repeat`` runs:

- (a) the extractor libraries called alone on the same files, one after another:
  ``pypdf.PdfReader`` + ``page.extract_text()`` per page, ``docx.Document`` + the text of
  its paragraphs, ``Path.read_text``; their sum is the baseline;
- (b) ``read_documents(folder)`` in one process (what llmstudio adds: reading order,
  paragraphs, headers and page numbers, tables, metadata, encoding detection, the frame);
- (c) ``read_documents(folder, workers=2)``: two processes, as the window and the CLI run
  it on a computer with two cores or more.

Goal (issue 19): the import within 1.3x of (a).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

GOAL = 1.3
WORDS = (
    "the council housing policy rent tenants should would budget transport school health "
    "we they people government local national service community change public support "
    "said because however although increase decrease report interview respondent answer "
    "économie naïve über"
).split()


def _paragraph(rng, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _lines(paragraph: str, width: int = 90) -> list[str]:
    lines, line = [], ""
    for word in paragraph.split():
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def generate(folder: Path, count: int) -> Path:
    """``count`` documents under ``folder`` (made once; kept for later runs)."""
    import random

    import docx

    from tests.helpers.pdf_files import write_pdf

    done = folder / ".complete"
    if done.exists():
        return folder
    rng = random.Random(19)
    for n in range(count):
        sub = folder / f"batch{n % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        kind = n % 3
        paragraphs = [_paragraph(rng, rng.randint(40, 120)) for _ in range(30)]
        if kind == 0:  # a PDF of about five pages: header, paragraphs, page number
            pages, lines = [], []
            for p in paragraphs:
                lines += _lines(p) + [""]
            per = 48  # lines a page: the text ends above the page number
            for k in range((len(lines) + per - 1) // per):
                y, page = 740.0, [(72, 770, "Generated report")]
                for line in lines[k * per : (k + 1) * per]:
                    if line:
                        page.append((72, y, line))
                    y -= 13
                page.append((300, 30, str(k + 1)))
                pages.append(page)
            write_pdf(sub / f"doc{n:04}.pdf", pages, title=f"Report {n}", author="Bench")
        elif kind == 1:
            document = docx.Document()
            document.add_heading(f"Interview {n}", 1)
            for i, p in enumerate(paragraphs[:20]):
                document.add_paragraph(p)
                if i == 10:
                    table = document.add_table(rows=3, cols=3)
                    for r in range(3):
                        for c in range(3):
                            table.cell(r, c).text = rng.choice(WORDS)
            document.save(sub / f"doc{n:04}.docx")
        else:
            (sub / f"doc{n:04}.txt").write_text("\n\n".join(paragraphs[:25]), encoding="utf-8")
    done.write_text("")
    return folder


def libraries_alone(files: list[Path]) -> int:
    """The baseline: each file through its extractor library, nothing else."""
    import docx
    from pypdf import PdfReader

    chars = 0
    for path in files:
        if path.suffix == ".pdf":
            chars += sum(len(page.extract_text()) for page in PdfReader(path).pages)
        elif path.suffix == ".docx":
            chars += sum(len(p.text) for p in docx.Document(str(path)).paragraphs)
        else:
            chars += len(path.read_text(encoding="utf-8"))
    return chars


def measure(count: int, repeat: int) -> dict:
    from llmstudio.core.documents import find_documents, read_documents

    folder = generate(HERE / "data" / f"documents_{count}", count)
    files, _ = find_documents(folder)
    size = sum(f.stat().st_size for f in files)
    times: dict[str, list[float]] = {"a": [], "b": [], "c": []}
    cpu: dict[str, list[float]] = {"a": [], "b": [], "c": []}
    for _ in range(repeat):
        for key, work in (
            ("a", lambda: libraries_alone(files)),
            ("b", lambda: read_documents(folder)),
            ("c", lambda: read_documents(folder, workers=2)),
        ):
            t, used = time.perf_counter(), _cpu()
            result = work()
            times[key].append(time.perf_counter() - t)
            cpu[key].append(_cpu() - used)
            if key != "a":
                assert len(result.frame) == count, (len(result.frame), result.problems[:3])
    chars = int(result.frame["text"].str.len().sum())
    return {"files": len(files), "size": size, "times": times, "cpu": cpu, "chars": chars}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker processes): on
    a machine other work shares, wall time depends on what else runs; CPU time does not."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = ap.parse_args(argv)
    m = measure(args.count, args.repeat)
    med = {k: statistics.median(v) for k, v in m["times"].items()}
    low = {k: min(v) for k, v in m["times"].items()}
    cpu = {k: statistics.median(v) for k, v in m["cpu"].items()}
    names = {
        "a": "(a) extractor libraries alone (pypdf, python-docx, read_text): the baseline",
        "b": "(b) llmstudio read_documents, one process",
        "c": "(c) llmstudio read_documents, workers=2 (the window and the CLI)",
    }
    rows = [
        f"{m['files']:,} files, {m['size'] / 1e6:.1f} MB, {m['chars']:,} characters imported",
        "",
        "| reader | median wall time (s) | min wall time (s) | wall vs (a) | median CPU time "
        "(s, with workers) | CPU vs (a) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {names[k]} | {med[k]:.2f} | {low[k]:.2f} | {med[k] / med['a']:.2f}x "
        f"| {cpu[k]:.2f} | {cpu[k] / cpu['a']:.2f}x |"
        for k in "abc"
    ]
    verdict = lambda ratio: "met" if ratio <= GOAL else "NOT met"  # noqa: E731
    one, two = cpu["b"] / cpu["a"], med["c"] / med["a"]
    rows += [
        "",
        f"**goal (import <= {GOAL}x the libraries alone): one process, CPU time {one:.2f}x "
        f"{verdict(one)} (wall {med['b'] / med['a']:.2f}x); two processes, wall time "
        f"{two:.2f}x {verdict(two)}**",
        "",
        "Wall times depend on what else the machine runs (the load average above); the "
        "CPU time of one process is the like-for-like measure of what llmstudio adds.",
    ]
    table = "\n".join(rows)
    print(table)
    if args.write:
        from import_speed import record

        record(
            f"Document import ({args.count:,} documents)",
            f"document_import.py --count {args.count} --repeat {args.repeat} --write",
            table,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
