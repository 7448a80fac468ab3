"""Writes tests/core/data/ppi_reference.json: ppi-python's numbers on seeded inputs, which
tests/core/test_ppi.py matches to 3 decimals. Run by hand, in an environment of its own:
ppi-python is in no extra of llmstudio (it pulls numba, statsmodels and gdown, and installs
a top-level ``tests`` package that would shadow this repository's tests)::

    python -m venv /tmp/ppi && /tmp/ppi/bin/pip install "ppi-python==0.2.3"
    /tmp/ppi/bin/python scripts/ppi_reference.py
"""

import json
from pathlib import Path

import numpy as np
import ppi_py

cases = []
for seed, (n, big_n, p, acc, binary) in enumerate(
    [
        (60, 500, 0.3, 0.8, True),
        (200, 5000, 0.1, 0.9, True),
        (30, 300, 0.5, 0.6, True),
        (80, 2000, 0.0, 0.0, False),
        (25, 400, 0.0, 0.0, False),
    ]
):
    rng = np.random.default_rng(seed)
    if binary:
        y = (rng.random(n) < p).astype(float)
        yhat = np.where(rng.random(n) < acc, y, 1 - y)
        yu = (rng.random(big_n) < p + 0.05).astype(float)
    else:  # a score: the model's reading is the person's plus noise and a bias
        y = rng.normal(0.2, 1, n)
        yhat = y + rng.normal(0.3, 0.5, n)
        yu = rng.normal(0.5, 1.1, big_n)
    case = {"y": y.tolist(), "yhat": yhat.tolist(), "yhat_unlabelled": yu.tolist()}
    case["ppi"] = float(np.squeeze(ppi_py.ppi_mean_pointestimate(y, yhat, yu, lam=1)))
    case["ppi_ci"] = [
        float(np.squeeze(b)) for b in ppi_py.ppi_mean_ci(y, yhat, yu, alpha=0.05, lam=1)
    ]
    case["ppi_plus"] = float(np.squeeze(ppi_py.ppi_mean_pointestimate(y, yhat, yu)))
    case["ppi_plus_ci"] = [
        float(np.squeeze(b)) for b in ppi_py.ppi_mean_ci(y, yhat, yu, alpha=0.05)
    ]
    case["classical_ci"] = [float(b) for b in ppi_py.classical_mean_ci(y, alpha=0.05)]
    cases.append(case)
out = Path(__file__).resolve().parents[1] / "tests" / "core" / "data" / "ppi_reference.json"
out.write_text(json.dumps({"ppi_python": "0.2.3", "cases": cases}))
print(f"wrote {out}")
