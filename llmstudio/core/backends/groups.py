"""An encoder run over many texts as the CPU runs it fastest: the model's own
``tokenizer.json`` (the ``tokenizers`` library, the Rust tokenizer transformers' fast
tokenizers call), the texts sorted by tokens and padded in groups of at most
:data:`GROUP_TOKENS`, which :data:`~.batching.CPU_STREAMS` streams take in turn, each as
soon as it is free, each with its share of the CPU's threads.

What an ONNX export (a cached classifier, ``hf/classify_onnx``; a sentence-embedding model,
``onnx_runtime/sentence_encoder``) and a sentence-embedding model in torch on the CPU
(:mod:`.torch_encoder`) share: only the forward of a group differs."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .batching import CPU_STREAMS, token_batches
from .threads import cpu_threads

# Padded tokens in one ONNX Runtime call: 512-1,024 ran MiniLM fastest on a 2-core CPU
# (2,048: 6% slower, 4,096: 20%, 8,192: 40%; the activations leave the caches).
GROUP_TOKENS = 512
# Texts whose token counts are remembered (a dict entry each: about 10 MB at this size).
MEMO_TEXTS = 100_000
# Texts to count before the count is shared between the streams (fewer: not worth it).
COUNT_SPLIT = 256


def stream_shares() -> tuple[int, int]:
    """(streams, threads each): :data:`CPU_STREAMS` streams at most, one per core."""
    cores = cpu_threads()
    streams = max(1, min(CPU_STREAMS, cores))
    return streams, max(1, cores // streams)


def tokenizer_json(tokenizer) -> str:
    """A transformers fast tokenizer's ``tokenizer.json``, without the padding and
    truncation of its last call (transformers leaves them set on its Rust tokenizer)."""
    state = json.loads(tokenizer.backend_tokenizer.to_str())
    state["padding"] = None
    state["truncation"] = None
    return json.dumps(state)


class TokenGroups:
    """``forward`` (a padded group's inputs to one output row per text, numpy) over texts
    tokenised by the ``tokenizer.json`` text ``tokenizer``: truncated to ``max_length``
    tokens (the ``special`` tokens added to a text included), padded with
    ``pad_token_id`` on the left or right, the ``inputs`` (names) as int64. Each of the
    :attr:`streams` gets :attr:`threads` of the CPU's threads (an ONNX session is made
    with them; a torch forward sets them in its stream)."""

    def __init__(
        self,
        tokenizer: str,
        forward: Callable[[dict], np.ndarray],
        *,
        inputs: list[str],
        max_length: int,
        special: int,
        pad_token_id: int,
        pad_left: bool = False,
    ):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_str(tokenizer)
        self.tokenizer.enable_truncation(int(max_length))
        self._whole = Tokenizer.from_str(tokenizer)  # whole texts, for counting
        self.forward = forward
        self.inputs = list(inputs)
        self.max_length, self.special = int(max_length), int(special)
        self._counts: dict[str, int] = {}
        self.pad_token_id = int(pad_token_id)
        self.pad_left = bool(pad_left)
        self.streams, self.threads = stream_shares()
        self._pool: ThreadPoolExecutor | None = None

    def lengths(self, texts: list[str]) -> list[int]:
        """Each text's tokens as the graph reads it: truncated, special tokens included."""
        room = self.max_length - self.special
        return [min(n, room) + self.special for n in self.count(texts)]

    def count(self, texts: list[str]) -> list[int]:
        """Each whole text's tokens, untruncated, without special tokens; remembered, since
        a run asks them of every text three times (its plan, the long-text check and the
        batch's groups), and each tokenising is time the CPU streams wait."""
        memo = self._counts
        unique = dict.fromkeys(texts)
        counts = {t: memo[t] for t in unique if t in memo}
        todo = [t for t in unique if t not in counts]
        if todo:
            counts.update(zip(todo, self._whole_counts(todo), strict=True))
            if len(memo) + len(todo) > MEMO_TEXTS:
                memo.clear()
            if len(todo) <= MEMO_TEXTS:  # one call of more texts than that: not kept
                memo.update((t, counts[t]) for t in todo)
        return [counts[t] for t in texts]

    def _whole_counts(self, texts: list[str]) -> list[int]:
        """Tokens of each whole text, tokenised by the streams at once (the tokenizer lets
        go of the GIL; its ``_fast`` calls skip the character offsets, unused here): a
        run's plan waits for this before its first forward. Called from the caller's
        thread, never from a stream's (it waits for the streams)."""

        def part(chunk: list[str]) -> list[int]:
            encoded = self._whole.encode_batch_fast(chunk, add_special_tokens=False)
            return [len(e.ids) for e in encoded]

        if self.streams == 1 or len(texts) < COUNT_SPLIT:
            return part(texts)
        step = -(-len(texts) // self.streams)
        chunks = [texts[a : a + step] for a in range(0, len(texts), step)]
        return [n for counted in self._cpu_pool().map(part, chunks) for n in counted]

    def run(self, texts: list[str], lengths: list[int] | None = None) -> np.ndarray:
        """The graph's output for ``texts``, one row each, in input order: the texts sorted
        by tokens and cut into groups of about :data:`GROUP_TOKENS` padded tokens, which
        the streams take biggest first, so that the last to start are the quickest; each
        group is tokenised by the stream that runs it, beside the other's forward."""
        rows = list(texts)
        if lengths is None:
            lengths = self.lengths(rows)
        order = sorted(range(len(rows)), key=lengths.__getitem__)
        padded = token_batches([lengths[i] for i in order], GROUP_TOKENS)
        groups = [[rows[i] for i in order[a:b]] for a, b in padded]
        if len(groups) == 1 or self.streams == 1:
            parts = [self.group(group) for group in groups]
        else:
            size = [(b - a) * lengths[order[b - 1]] for a, b in padded]
            biggest = sorted(range(len(groups)), key=lambda k: -size[k])
            pool = self._cpu_pool()
            jobs = {k: pool.submit(self.group, groups[k]) for k in biggest}
            parts = [jobs[k].result() for k in range(len(groups))]
        out = np.concatenate(parts)
        back = np.empty_like(out)
        back[np.asarray(order, dtype=np.int64)] = out
        return back

    def embeddings(self, sentences, dimension: int, normalize: bool = False) -> np.ndarray:
        """A sentence model's embeddings of ``sentences`` (a str or a list) as
        ``SentenceTransformer.encode`` gives them with ``convert_to_numpy``: float32, in
        input order, unit length with ``normalize``; one row for a str."""
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if texts:
            out = self.run(texts).astype(np.float32, copy=False)
        else:
            out = np.zeros((0, dimension), dtype=np.float32)
        if normalize:
            out = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out[0] if single else out

    def group(self, texts: list[str]) -> np.ndarray:
        """The graph's output for one padded group."""
        return self._run(self.encode(texts))

    def encode(self, texts: list[str]) -> dict:
        """The graph's inputs for ``texts``: padded to the longest, as int64."""
        encoded = self.tokenizer.encode_batch_fast(texts)
        width = max(len(e.ids) for e in encoded)
        ids = np.full((len(texts), width), self.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        types = np.zeros((len(texts), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            n = len(e.ids)
            span = slice(width - n, width) if self.pad_left else slice(0, n)
            ids[row, span] = e.ids
            mask[row, span] = 1
            types[row, span] = e.type_ids
        offered = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return {name: offered[name] for name in self.inputs}

    def _run(self, inputs: dict) -> np.ndarray:
        """The output for one padded group."""
        return self.forward(inputs)

    def _cpu_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.streams, thread_name_prefix="llmstudio-cpu")
        return self._pool

    def close(self) -> None:
        self._counts.clear()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class GroupedSentenceModel:
    """What a sentence-embedding model run in token groups answers as a SentenceTransformer
    does (``encode``; a copy, to fine-tune, is the torch model), for ONNX Runtime's and
    torch's encoders alike. A subclass sets :attr:`groups` and :attr:`torch_model` and says
    :meth:`get_embedding_dimension`."""

    groups: TokenGroups

    def get_embedding_dimension(self) -> int:
        raise NotImplementedError

    def text_limit(self) -> int:
        """Tokens of text read at once: the longest input less the special tokens."""
        return self.groups.max_length - self.groups.special

    def token_counts(self, texts: list[str]) -> list[int]:
        """Each whole text's tokens, untruncated, without special tokens (remembered:
        :meth:`TokenGroups.count`)."""
        return self.groups.count(texts)

    def encode(
        self,
        sentences,
        batch_size: int = 32,
        normalize_embeddings: bool = False,
        convert_to_numpy: bool = True,
        show_progress_bar: bool = False,
    ):
        """As ``SentenceTransformer.encode`` with ``convert_to_numpy``
        (:meth:`TokenGroups.embeddings`). ``batch_size`` is not used: the texts go in
        groups of padded tokens, the CPU's best size whatever the caller asks."""
        return self.groups.embeddings(
            sentences, self.get_embedding_dimension(), normalize_embeddings
        )

    def __deepcopy__(self, memo):
        # Fine-tuning on coded examples trains a copy: the torch model (ONNX Runtime
        # cannot train; its answers then come from torch, float32).
        return copy.deepcopy(self.torch_model, memo)

    def close(self) -> None:
        self.groups.close()
