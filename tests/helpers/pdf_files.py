"""Small PDF files written byte by byte (no PDF library writes text here: reportlab is not
installed), for the document import's tests and benchmark.

A page is a list of lines, each ``(x, y, text)`` in points from the bottom left (Helvetica,
WinAnsi), written in the content stream in the order given, or ``None`` for a page that
holds only an image (what a scanner makes: no text layer).
"""

from __future__ import annotations

from pathlib import Path

Line = tuple[float, float, str]


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _text_stream(lines: list[Line], size: float) -> bytes:
    ops = [b"BT", f"/F1 {size:g} Tf".encode()]
    for x, y, text in lines:
        ops.append(f"1 0 0 1 {x:g} {y:g} Tm ".encode() + _literal(text) + b" Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


_IMAGE_STREAM = b"q 400 0 0 500 100 150 cm /Im1 Do Q"


def pdf_bytes(
    pages: list[list[Line] | None],
    *,
    title: str | None = None,
    author: str | None = None,
    created: str | None = None,  # a PDF date: D:20240315093000Z
    size: float = 11,
) -> bytes:
    """A PDF of ``pages`` (see the module's docstring) with an optional Info dictionary."""
    objects: list[bytes] = []  # object i+1

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled once the page tree's number is known
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    image = add(
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream"
    )
    kids = []
    for page in pages:
        content = _IMAGE_STREAM if page is None else _text_stream(page, size)
        stream = add(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
        kids.append(
            add(
                f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 {font} 0 R >> /XObject << /Im1 {image} 0 R >> >> "
                f"/Contents {stream} 0 R >>".encode()
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    objects[tree - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
        f"/Count {len(kids)} >>".encode()
    )
    info = None
    fields = {"Title": title, "Author": author, "CreationDate": created}
    if any(v is not None for v in fields.values()):
        info = add(
            b"<< "
            + b" ".join(f"/{k} ".encode() + _literal(v) for k, v in fields.items() if v)
            + b" >>"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root {catalog} 0 R"
    trailer += f" /Info {info} 0 R >>" if info else " >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_pdf(path: Path, pages: list[list[Line] | None], **info) -> Path:
    """Write :func:`pdf_bytes` to ``path``; returns ``path``."""
    path.write_bytes(pdf_bytes(pages, **info))
    return path


def flowed(paragraphs: list[str], *, top: float = 720, leading: float = 14, gap: float = 10):
    """Lines of one page laid out from ``paragraphs``: each a list of lines joined by
    newlines, a blank ``gap`` between paragraphs (how a word processor lays out a page)."""
    lines: list[Line] = []
    y = top
    for paragraph in paragraphs:
        for line in paragraph.split("\n"):
            lines.append((72, y, line))
            y -= leading
        y -= gap
    return lines
