"""The shared half of the classifier and NLI pipelines: a ``*ForSequenceClassification``
model, its labels, and logits for a batch computed with little padding (on the CPU in
``CPU_STREAMS`` concurrent streams, each in groups of similar length)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ...errors import BackendError
from ..batching import CPU_STREAMS, length_groups, split_even
from ..onnx_runtime import is_onnx
from .base import HFBackend


def refuse_missing_weights(model_name: str, missing) -> None:
    """Stop when weights the classifier needs are not in its files: transformers fills them
    with random numbers (and says so only in a warning llmstudio keeps off the terminal), so
    every label would be chance dressed up as a result. A config that names a
    ``*ForSequenceClassification`` over a base model's weights does that."""
    missing = sorted(k for k in missing if not k.endswith("position_ids"))
    if missing:
        shown = ", ".join(missing[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        raise BackendError(
            f"{model_name}: {len(missing)} of the classifier's weights are not in the model's "
            f"files ({shown}); they would be random and so would every label. Use a model "
            "fine-tuned for classification (or NLI, for coding), or a base model as "
            "embeddings with the builtin method."
        )


class SequenceClassifierBackend(HFBackend):
    """A ``*ForSequenceClassification`` model; subclasses turn its logits into labels.
    With an ONNX runtime, the logits are ONNX Runtime's (:class:`OnnxLogits`)."""

    onnx_ready = True
    _onnx = None  # OnnxLogits when the runtime is an ONNX one

    def _load(self, source: str) -> None:
        from transformers import AutoModelForSequenceClassification

        self.tokenizer = self._load_tokenizer(source)
        model, info = AutoModelForSequenceClassification.from_pretrained(
            source, dtype=self._dtype(), output_loading_info=True, **self._load_kwargs
        )
        refuse_missing_weights(self.model_name, info.get("missing_keys") or ())
        self.model = model.to(self.device).eval()
        id2label = getattr(self.model.config, "id2label", None) or {}
        self.model_labels = [
            str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}")))
            for i in range(self.model.config.num_labels)
        ]
        self.max_length = self._max_length()
        if is_onnx(self.runtime):
            from ..onnx_runtime.bundle import classifier_identity
            from ..onnx_runtime.sessions import OnnxLogits

            identity = classifier_identity(*self.source.identity(), self.pipeline_task)
            self._onnx = self._onnx_or_torch(
                identity,
                lambda: OnnxLogits(
                    self.model,
                    self.tokenizer,
                    identity,
                    self.runtime,
                    self.max_length,
                    self._onnx_threads(),
                ),
            )
            if self._onnx is not None:
                self._keep_bundle()

    @property
    def onnx_file(self):
        """The ONNX file that computes the logits (None: torch computes them)."""
        return self._onnx.path if self._onnx is not None else None

    def _keep_bundle(self) -> None:
        """What a later load without torch needs, beside the export (onnx_runtime.bundle)."""
        from ..onnx_runtime import bundle

        config = self.model.config
        tok = self.tokenizer
        bundle.write(
            self._onnx.path.parent.parent,
            tok,
            bundle.Bundle(
                inputs=list(self._onnx.names),
                model_labels=list(self.model_labels),
                max_length=int(self.max_length),
                problem_type=config.problem_type,
                num_labels=int(config.num_labels),
                pad_token_id=int(tok.pad_token_id if tok.pad_token_id is not None else 0),
                pad_left=tok.padding_side == "left",
                special_single=int(tok.num_special_tokens_to_add(pair=False)),
            ),
        )

    def _fingerprint_details(self) -> dict:
        return {"model_labels": self.model_labels, "max_length": self.max_length}

    def _token_lengths(self, *texts: list[str], truncation="longest_first") -> list[int]:
        with self._tokenizer_lock:
            encoded = self.tokenizer(*texts, truncation=truncation, max_length=self.max_length)
        return [len(ids) for ids in encoded["input_ids"]]

    def _forward(
        self, *texts: list[str], truncation="longest_first", lengths: list[int] | None = None
    ):
        """Logits (float32, in input order) for a batch of texts or (text, pair) lists.

        On the CPU the batch, sorted by token length, is dealt to ``CPU_STREAMS`` streams
        in runs of equal tokens, and each stream cuts its run into groups padded only to
        their own longest (see :func:`length_groups`); a GPU takes the batch whole.
        ``lengths``: the texts' token lengths when the caller has them already.
        """
        torch = self._torch
        n = len(texts[0])
        if self.device != "cpu" or n == 1:
            return self._logits(texts, list(range(n)), truncation)
        if lengths is None:
            lengths = self._token_lengths(*texts, truncation=truncation)
        order = sorted(range(n), key=lengths.__getitem__)
        streams = min(CPU_STREAMS, torch.get_num_threads())
        runs = split_even([lengths[i] for i in order], streams)
        if len(runs) == 1:
            logits = self._grouped_logits(texts, order, lengths, truncation)
        else:
            # A stream per run; each stream's thread takes its share of torch's threads.
            threads = max(1, torch.get_num_threads() // len(runs))
            jobs = [
                self._cpu_pool().submit(
                    self._grouped_logits, texts, order[a:b], lengths, truncation, threads
                )
                for a, b in runs
            ]
            try:
                logits = torch.cat([job.result() for job in jobs])
            finally:
                # A thread setting its torch thread count also sets the default of threads
                # started later (a next job's worker): put it back. This thread's own count
                # is unchanged by the streams', so this is what it was.
                torch.set_num_threads(torch.get_num_threads())
        out = torch.empty_like(logits)
        out[torch.tensor(order)] = logits  # back to input order
        return out

    def _cpu_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(CPU_STREAMS, thread_name_prefix="llmstudio-hf")
        return self._pool

    def _grouped_logits(
        self, texts, rows: list[int], lengths: list[int], truncation, threads: int | None = None
    ):
        """Logits of ``rows`` (sorted by token length, in that order), in groups of similar
        length; ``threads``: torch's intra-op threads for this (stream) thread."""
        torch = self._torch
        if threads is not None and torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        runs = length_groups([lengths[i] for i in rows])
        return torch.cat([self._logits(texts, rows[a:b], truncation) for a, b in runs])

    def _logits(self, texts, rows: list[int], truncation):
        """Logits of ``rows`` as one padded batch."""
        part = [[column[i] for i in rows] for column in texts]
        with self._tokenizer_lock:
            encoded = self.tokenizer(
                *part,
                padding=True,
                truncation=truncation,
                max_length=self.max_length,
                return_tensors="np" if self._onnx is not None else "pt",
            )
        if self._onnx is not None:
            return self._torch.from_numpy(self._onnx(encoded)).float()
        if self.device != "cpu":
            encoded = {k: v.to(self.device) for k, v in encoded.items()}
        with self._torch.inference_mode():
            return self.model(**encoded).logits.float().cpu()
