"""What a long or surprising step tells the person waiting for it, beyond a progress bar:
a model converted once for ONNX Runtime (seconds before the first row), a model run with
another runtime than the default would pick. Records of the logger :data:`NOTICES`: the
log file keeps them, and the command line prints them as notes (``log.show_notices``)."""

from __future__ import annotations

import logging

NOTICES = "llmstudio.notice"
notice = logging.getLogger(NOTICES)
