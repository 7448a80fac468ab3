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


def schema_problem(root, where: str) -> str | None:
    """The first way ``root`` (an ElementTree element) breaks the schema, as one line that
    names the element's path (and line, when the parser kept it); None when it is valid."""
    error = next(project_schema().iter_errors(root), None)
    if error is None:
        return None
    line = getattr(error, "sourceline", None)
    at = f"line {line}, " if line else ""
    reason = (error.reason or str(error.message)).splitlines()[0]
    return f"{where}: does not match the QDA-XML 1.0 schema ({at}{error.path}: {reason})"
