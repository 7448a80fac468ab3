"""The QDA-XML 1.0 project schema (bundled in resources/refi_qda/) and checks against it.

Checked with lxml (libxml2): a 100,000-row project.qde in about a second, where the
pure-Python xmlschema took ~45 s (benchmarks/qdpx.py); the tests check what llmstudio
writes with xmlschema, an independent validator."""

from __future__ import annotations

import re
from functools import cache

from ..errors import LlmstudioError
from ..paths import resources_dir

NAMESPACE = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"


class QdaError(LlmstudioError):
    """A .qdpx/.qdc file that cannot be read or written; the message says what and where."""


@cache
def project_schema():
    """The parsed schema (built once)."""
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(resources_dir() / "refi_qda" / "Project-mrt2019.xsd")))


def parse_checked(data: bytes, where: str):
    """``data`` (a project.qde) parsed by lxml and checked against the schema: its root
    element; QdaError with one line (the line and what is wrong) otherwise. Entities are
    not resolved and nothing is fetched from the network."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise QdaError(f"{where}: not well-formed XML ({exc})") from None
    schema = project_schema()
    if not schema.validate(root):
        error = schema.error_log[0]
        message = re.sub(r"\{[^}]*\}", "", error.message)  # element names without namespace
        raise QdaError(
            f"{where}: does not match the QDA-XML 1.0 schema (line {error.line}: {message})"
        )
    return root
