"""REFI-QDA exchange (QDA-XML 1.0): ``.qdpx`` projects and ``.qdc`` codebooks.

How the corpus maps: each row is a text source (``row 1``, ``row 2``, ...) whose metadata
columns are the variables of its own case; every llmstudio codebook is a top-level code
that cannot be coded (a folder) with its code tree and colours under it; a row code is a
selection over the whole text, coded by its coder (a user); a passage a selection over
its characters; a row or passage memo is a note referenced by that selection, a code memo
a note its code refers to, a project memo a note of the project (``notes``); a model run's
labels are codings by a user named for the run ("model: builtin run 3"). Offsets count
Unicode code points of the plain text (Python string indices).
Qt-free; see docs/refi-qda.md.
"""

from .codings import Coding, row_codings
from .importer import ImportResult, read_qdc, read_qdpx
from .reader import QdaFile, read_qde
from .writer import write_qdc, write_qdpx

__all__ = [
    "Coding",
    "ImportResult",
    "QdaFile",
    "read_qdc",
    "read_qde",
    "read_qdpx",
    "row_codings",
    "write_qdc",
    "write_qdpx",
]
