"""A transformer on this computer loaded for inspection (not for a run): the builtin
MiniLM or an ``hf:`` folder or cached hub id, with its tokenizer, in eval mode on the CPU
(one text at a time needs no GPU)."""

from __future__ import annotations

from dataclasses import dataclass

from ..backends.hf.loading import config_fields, load_error, locate
from ..backends.spec import BUILTIN, HF, ModelSpec
from ..embedding.minilm import model_dir
from ..errors import LlmstudioError

ENCODER, MASKED_LM = "encoder", "masked-lm"


@dataclass
class LocalModel:
    """A loaded model: ``spec`` as the user typed it, ``tokenizer``, ``model`` (torch)."""

    spec: str
    tokenizer: object
    model: object
    architecture: str

    def describe(self) -> str:
        """The model as the user named it ("builtin" or "hf:NAME")."""
        return self.spec


def _where(spec: str) -> tuple[str, dict, object]:
    """(folder or hub id, the loaders' keyword arguments, its config)."""
    parsed = ModelSpec.parse(spec)
    if parsed.kind == BUILTIN:
        from transformers import AutoConfig

        folder = str(model_dir())
        return folder, {}, AutoConfig.from_pretrained(folder)
    if parsed.kind != HF:
        raise LlmstudioError(
            f"{spec} is not a model on this computer: looking inside a model needs its "
            "weights (builtin, or hf:FOLDER_OR_HUB_ID)"
        )
    source = locate(parsed.name)
    if source.config is None:
        raise LlmstudioError(f"{spec} has no transformers config (config.json) to load from")
    return source.path, dict(source.load_kwargs), source.config


def load_local(spec: str, head: str = ENCODER) -> LocalModel:
    """Load the model ``spec`` names: its encoder with attention weights given back
    (``head=ENCODER``; of an encoder-decoder such as T5, the encoder), or its
    masked-language-model head (``head=MASKED_LM``), refused for a model saved without
    one (a head made up of random weights would predict noise without saying so)."""
    path, kwargs, config = _where(spec)
    architectures = list(getattr(config, "architectures", None) or [])
    name = ", ".join(architectures) or getattr(config, "model_type", "unknown")
    try:
        from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path, **kwargs)
        if head == MASKED_LM:
            if not any(a.endswith("ForMaskedLM") for a in architectures):
                raise LlmstudioError(
                    f"{spec} has no masked-word head (its architecture is {name}): the "
                    "fill-mask probe needs a masked language model such as "
                    "hf:bert-base-uncased or hf:roberta-base"
                )
            if tokenizer.mask_token is None:
                raise LlmstudioError(f"{spec}'s tokenizer has no mask token")
            model = AutoModelForMaskedLM.from_pretrained(path, **kwargs)
        else:
            # The "eager" attention computes the weights it can give back; the fused
            # kernels (sdpa, flash) never form them.
            model = AutoModel.from_pretrained(path, attn_implementation="eager", **kwargs)
            if getattr(model.config, "is_encoder_decoder", False):
                model = model.get_encoder()
    except LlmstudioError:
        raise
    except Exception as exc:
        raise load_error(spec, exc) from None
    return LocalModel(spec, tokenizer, model.eval(), name)


def local_head(spec: str) -> str | None:
    """What the model ``spec`` names can show without loading it: :data:`MASKED_LM` (a
    masked-word head, and attention), :data:`ENCODER` (attention only), None (not a
    transformer on this computer: an API model, the lexicon, a hub id not downloaded)."""
    try:
        parsed = ModelSpec.parse(spec)
    except LlmstudioError:
        return None
    if parsed.kind == BUILTIN:
        return ENCODER
    if parsed.kind != HF:
        return None
    fields = config_fields(parsed.name)
    if fields is None:
        return None
    if any(str(a).endswith("ForMaskedLM") for a in fields.get("architectures") or []):
        return MASKED_LM
    return ENCODER
