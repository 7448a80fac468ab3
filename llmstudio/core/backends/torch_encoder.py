"""A SentenceTransformer whose ``encode`` runs on the CPU as the ONNX runtimes do: in
groups of padded tokens on two CPU streams of one torch thread each
(:class:`~.groups.TokenGroups`), where ``SentenceTransformer.encode`` runs one stream of
every thread over rows sorted by characters. The builtin model's 1,500 AG News texts:
11.3-11.9 s against 15.6-17.0 s, the vectors the same to 2e-7 (benchmarks/RESULTS.md,
"Whole annotate processes ... (builtin)").

Everything else (its tokenizer, ``max_seq_length``, a copy to fine-tune) is the
SentenceTransformer's: only the frozen model's embeddings go through the groups."""

from __future__ import annotations

import copy

import numpy as np

from .groups import TokenGroups, tokenizer_json


class TorchSentenceEncoder:
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

    def encode(
        self,
        sentences,
        batch_size: int = 32,
        normalize_embeddings: bool = False,
        convert_to_numpy: bool = True,
        show_progress_bar: bool = False,
    ):
        """As ``SentenceTransformer.encode`` with ``convert_to_numpy``: in input order,
        optionally unit length; ``batch_size`` not used (groups of padded tokens)."""
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if texts:
            import torch

            try:
                out = self.groups.run(texts).astype(np.float32, copy=False)
            finally:
                torch.set_num_threads(self._caller_threads)
        else:
            out = np.zeros((0, self.get_embedding_dimension()), dtype=np.float32)
        if normalize_embeddings:
            out = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out[0] if single else out

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

    def __deepcopy__(self, memo):
        # Fine-tuning on coded examples trains a copy: the SentenceTransformer itself.
        return copy.deepcopy(self.torch_model, memo)

    def close(self) -> None:
        self.groups.close()
