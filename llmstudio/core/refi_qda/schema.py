"""The QDA-XML 1.0 project schema (bundled in resources/refi_qda/) and checks against it."""

from __future__ import annotations

from functools import cache

from ..errors import LlmstudioError
from ..paths import resources_dir

NAMESPACE = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"


class QdaError(LlmstudioError):
    """A .qdpx/.qdc file that cannot be read or written; the message says what and where."""


@cache
def project_schema():
    """The parsed schema (built once: parsing it takes a moment)."""
    import xmlschema

    return xmlschema.XMLSchema(str(resources_dir() / "refi_qda" / "Project-mrt2019.xsd"))


def _line_of(data: bytes, root, elem) -> int | None:
    """The line of ``elem``'s start tag in ``data`` (ElementTree keeps no lines): its
    position among the elements in document order, found again by a second, bare parse."""
    from xml.parsers import expat

    index = next((k for k, el in enumerate(root.iter()) if el is elem), None)
    if index is None:
        return None
    parser, seen, found = expat.ParserCreate(), [0], []

    def start(*_):
        if seen[0] == index:
            found.append(parser.CurrentLineNumber)
        seen[0] += 1

    parser.StartElementHandler = start
    parser.Parse(data, True)
    return found[0] if found else None


def schema_problem(root, data: bytes, where: str) -> str | None:
    """The first way ``root`` (``data`` parsed by ElementTree) breaks the schema, as one
    line naming the element's line and path; None when it is valid."""
    error = next(project_schema().iter_errors(root), None)
    if error is None:
        return None
    line = _line_of(data, root, error.elem) if error.elem is not None else None
    at = f"line {line}, " if line else ""
    path = (error.path or "").replace(f"{{{NAMESPACE}}}", "")
    reason = (error.reason or str(error.message)).splitlines()[0]
    return f"{where}: does not match the QDA-XML 1.0 schema ({at}{path}: {reason})"
