"""A SentenceTransformer whose ``encode`` runs on the CPU as the ONNX runtimes do: in
groups of padded tokens on two CPU streams of one torch thread each
(:class:`~.groups.TokenGroups`), where ``SentenceTransformer.encode`` runs one stream of
every thread over rows sorted by characters. The builtin model's 1,500 AG News texts:
11.3-11.9 s against 15.6-17.0 s, the vectors the same to 2e-7 (benchmarks/RESULTS.md,
"Whole annotate processes ... (builtin)").

Everything else (its tokenizer, ``max_seq_length``, a copy to fine-tune) is the
SentenceTransformer's: only the frozen model's embeddings go through the groups."""

from __future__ import annotations

import numpy as np

from .groups import GroupedSentenceModel, TokenGroups, tokenizer_json


class TorchSentenceEncoder(GroupedSentenceModel):
    """``st`` (a loaded SentenceTransformer on the CPU) with ``encode`` in token groups."""

    def __init__(self, st):
        import torch

        # torch keeps a thread count per thread, and the last one set is also what threads
        # started later begin with: the streams set theirs, so this is put back after each
        # call (a later job's thread would otherwise run on one thread).
        self._caller_threads = torch.get_num_threads()
        tokenizer = st.tokenizer
        features = (getattr(st, "preprocess", None) or st.tokenize)(["a text"])
        self.torch_model = st
        self.groups = TokenGroups(
            tokenizer_json(tokenizer),
            self._forward,
            inputs=[k for k in ("input_ids", "attention_mask", "token_type_ids") if k in features],
            max_length=int(st.max_seq_length),
            special=int(tokenizer.num_special_tokens_to_add(pair=False)),
            pad_token_id=int(tokenizer.pad_token_id or 0),
            pad_left=tokenizer.padding_side == "left",
        )

    @staticmethod
    def usable(st) -> bool:
        """Whether ``st`` can encode this way: on the CPU (a GPU wants its big batches),
        with a fast tokenizer (its ``tokenizer.json``) and a known longest input."""
        tokenizer = getattr(st, "tokenizer", None)
        return (
            str(getattr(st, "device", "cpu")).startswith("cpu")
            and bool(getattr(tokenizer, "is_fast", False))
            and bool(getattr(st, "max_seq_length", None))
        )

    def _forward(self, inputs: dict) -> np.ndarray:
        import torch

        if torch.get_num_threads() != self.groups.threads:  # this stream's share
            torch.set_num_threads(self.groups.threads)
        features = {name: torch.from_numpy(value) for name, value in inputs.items()}
        with torch.inference_mode():
            return self.torch_model(features)["sentence_embedding"].float().numpy()

    def encode(self, sentences, *args, **kwargs):
        import torch

        try:
            return super().encode(sentences, *args, **kwargs)
        finally:
            torch.set_num_threads(self._caller_threads)

    def get_embedding_dimension(self) -> int:
        st = self.torch_model
        return int(
            (getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)()
        )

    get_sentence_embedding_dimension = get_embedding_dimension

    def __getattr__(self, name):
        # Only reached for what is not defined here: the SentenceTransformer's attributes.
        if name in ("torch_model", "groups"):
            raise AttributeError(name)
        return getattr(self.torch_model, name)
