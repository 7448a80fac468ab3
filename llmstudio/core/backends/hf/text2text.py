"""The text-to-text pipeline: an encoder-decoder model (T5, Flan-T5, BART: a config with
``is_encoder_decoder`` and a ``*ForConditionalGeneration`` head). The prompt goes into
the encoder as plain "system / user / Answer:" text (these models have no chat template)
and the decoder writes the answer, which the task parses as the causal LMs' answers are
parsed: a codebook task takes only its codes, anything else is that row's error."""

from __future__ import annotations

from ...tasks.base import Task
from .generate import GenerationBackend
from .loading import TEXT2TEXT


class Text2TextBackend(GenerationBackend):
    """An encoder-decoder model that writes each answer; runs any task."""

    pipeline_task = TEXT2TEXT
    # The encoder reads the prompt with its attention mask; the decoder starts on its own
    # token, so padding goes where tokenizers put it by default.
    padding_side = "right"

    def _model_class(self):
        from transformers import AutoModelForSeq2SeqLM

        return AutoModelForSeq2SeqLM

    def _answer_room(self, task: Task) -> int:
        return 0  # the decoder writes the answer: the encoder's whole length is the prompt's

    def _written(self, generated, prompt_length: int):
        return generated  # the decoder's output holds the answer only
