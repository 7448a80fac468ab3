"""Fixtures for the core tests: tiny random-weight transformers models (``tests/models.py``),
built once per session into a temporary folder, with the Hugging Face hub offline."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


@pytest.fixture(scope="session")
def hf_offline():
    """The hub switched off for the session: the environment variables, and
    huggingface_hub's own flag (read once at its import, perhaps before this ran)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in OFFLINE_ENV.items():
            mp.setenv(name, value)
        from huggingface_hub import constants

        mp.setattr(constants, "HF_HUB_OFFLINE", True)
        yield


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory, hf_offline) -> SimpleNamespace:
    """Folders of tiny random-weight models (tens of KB each, built in well under a second):

    ``named`` (NEGATIVE/POSITIVE), ``generic2`` (LABEL_0/1), ``generic3`` (LABEL_0/1/2),
    ``nli`` (contradiction/entailment/neutral), ``encoder`` (a bare BertModel),
    ``lm`` (a Llama-style causal LM with a chat template), ``lm_plain`` (the same model,
    no chat template), ``t5`` (a T5 text-to-text model), ``mlm`` (a BertForMaskedLM).

    Weights are random; the seeds of the classifiers are ones whose answers over the test
    texts use every label, so that a label mapping test sees each label.
    """
    import models  # tests/ is on sys.path (rootdir conftest)

    root = tmp_path_factory.mktemp("hf_models")
    return SimpleNamespace(
        named=models.build_classifier(root / "named", ["NEGATIVE", "POSITIVE"], seed=6),
        generic2=models.build_classifier(root / "generic2", ["LABEL_0", "LABEL_1"], seed=3),
        generic3=models.build_classifier(
            root / "generic3", ["LABEL_0", "LABEL_1", "LABEL_2"], seed=1
        ),
        nli=models.build_nli(root / "nli", seed=3),
        encoder=models.build_encoder(root / "encoder", seed=4),
        lm=models.build_causal_lm(root / "lm", seed=5),
        lm_plain=models.build_causal_lm(root / "lm_plain", seed=5, chat_template=None),
        t5=models.build_t5(root / "t5", seed=2),
        mlm=models.build_masked_lm(root / "mlm", seed=0),
    )


@pytest.fixture
def exports(monkeypatch):
    """Counts the graphs exported (export.export_module calls) in a test."""
    from llmstudio.core.backends.onnx_runtime import export

    calls = []
    real = export.export_module

    def counted(*args, **kwargs):
        calls.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "export_module", counted)
    # sessions and sentence_encoder imported the name: count there too
    from llmstudio.core.backends.onnx_runtime import sentence_encoder, sessions

    monkeypatch.setattr(sessions, "export_module", counted)
    monkeypatch.setattr(sentence_encoder, "export_module", counted)
    return calls
