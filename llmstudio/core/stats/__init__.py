"""Statistics on codes: agreement between coders and models, with bootstrap CIs.

Qt-free; the GUI's validation view and ``llmstudio agree`` call the same functions.
"""

from .agreement import (
    Agreement,
    agreement,
    cohen_kappa,
    confusion_matrix,
    encode,
    fleiss_kappa,
    krippendorff_alpha,
    normalize_code,
    percent_agreement,
)
from .bootstrap import Estimate, bootstrap, resample_sums

__all__ = [
    "Agreement",
    "Estimate",
    "agreement",
    "bootstrap",
    "cohen_kappa",
    "confusion_matrix",
    "encode",
    "fleiss_kappa",
    "krippendorff_alpha",
    "normalize_code",
    "percent_agreement",
    "resample_sums",
]
