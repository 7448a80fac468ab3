"""A classifier whose head is not in its weights is refused: transformers would fill the
head with random numbers and every label would be chance (issue 16's quiet libraries keep
transformers' own warning about it off the terminal, so llmstudio must say it)."""

from __future__ import annotations

import shutil

import pytest

from llmstudio.core.backends import BackendError, make_backend

import models  # tests/ is on sys.path (rootdir conftest)


def test_a_classifier_without_its_head_is_refused(tmp_path, hf_offline):
    from safetensors.torch import load_file, save_file

    whole = models.build_classifier(tmp_path / "whole", ["NEGATIVE", "POSITIVE"], seed=1)
    make_backend("hf:" + str(whole))  # the complete model loads

    headless = tmp_path / "headless"
    shutil.copytree(whole, headless)
    weights = load_file(headless / "model.safetensors")
    kept = {k: v for k, v in weights.items() if not k.startswith("classifier.")}
    assert len(kept) < len(weights)
    save_file(kept, headless / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(BackendError, match=r"2 of the classifier's weights .*classifier\.bias"):
        make_backend("hf:" + str(headless))
