"""What every Hugging Face pipeline shares: the device, the dtype, the tokenizer, the
longest input, the fingerprint, closing; each pipeline is a subclass in its own module
(:mod:`.classify`, :mod:`.zero_shot`, :mod:`.generate`, :mod:`.embeddings`) that loads its
model (:meth:`HFBackend._load`) and annotates (:meth:`HFBackend._annotate`)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ...tasks.base import Task
from ...tasks.choice import ChoiceTask
from ..base import Backend, BackendError, RowError
from ..device import bfloat16_ok, free_memory
from ..gpu_plan import (
    CPU_BATCH,
    Plan,
    choose_dtype,
    config_plan,
    precision_fields,
    stored_dtype,
)
from ..onnx_runtime import TORCH, is_onnx, onnx_or_torch, runtime_fingerprint, torch_dtype
from ..spec import HF
from .loading import Source, load_error

_ROBERTA_LIKE = {"roberta", "xlm-roberta", "camembert", "longformer", "mpnet", "xlm-roberta-xl"}


class HFBackend(Backend):
    """A transformers model (local folder or hub id) run as one pipeline
    (:attr:`pipeline_task`); made by :func:`llmstudio.core.backends.hf.load`."""

    kind = HF
    pipeline_task = ""  # each pipeline's name, as in PIPELINE_TASKS
    onnx_ready = False  # whether ONNX Runtime can run this pipeline (an encoder)
    automatic = False  # whether the runtime was chosen automatically (see _onnx_or_torch)

    def __init__(
        self,
        source: Source,
        *,
        device: str,
        batch_size: int | None = None,
        label_map: dict[str, str] | None = None,
        runtime: str = TORCH,
        automatic: bool = False,
    ):
        import torch

        self._torch = torch
        self._take(source, device, batch_size, label_map, runtime)
        self.automatic = automatic  # ONNX chosen for it: PyTorch runs it if that fails
        try:
            self._load(source.path)
        except BackendError:
            raise
        except Exception as exc:
            raise load_error(self.model_name, exc) from None
        self._settle(batch_size)

    def _take(self, source: Source, device: str, batch_size, label_map, runtime: str) -> None:
        """What every pipeline keeps of its settings (nothing loaded, nothing imported)."""
        self.source = source
        self.model_name = source.name
        self.device = device
        self.trust_remote_code = source.trust_remote_code
        # None: the default on the CPU, from the free memory on a GPU (gpu_plan)
        self.batch_size = max(1, int(batch_size or CPU_BATCH))
        self.label_map = dict(label_map) if label_map else None
        self.runtime = runtime
        if is_onnx(runtime) and not self.onnx_ready:
            raise BackendError(
                f"model {source.name} is a {self.pipeline_task} model, which runs with the "
                "torch runtime only (ONNX Runtime runs encoder classifiers and embedding "
                "models here)"
            )
        self.revision = source.revision
        self.folder, self.hub_id, self.config = source.folder, source.hub_id, source.config
        self._load_kwargs = source.load_kwargs
        self._pool: ThreadPoolExecutor | None = None  # CPU streams, made on first use
        # A fast tokenizer is not safe to call from two threads at once (its padding and
        # truncation settings are switched per call): the streams take turns with it.
        self._tokenizer_lock = threading.Lock()

    def _settle(self, batch_size: int | None) -> None:
        """The device plan and the fingerprint, once the model is loaded."""
        self.device_plan = self._device_plan()
        if batch_size is None:
            self.batch_size = self.device_plan.batch_size
        self._model_id, self.commit = self.source.identity()
        self._fingerprint = {
            "kind": self.kind,
            "model": self._model_id,
            "revision": self.commit,
            "pipeline_task": self.pipeline_task,
            **self._fingerprint_details(),
            **runtime_fingerprint(self.runtime),
            **precision_fields(self.device_plan.dtype),
        }

    # -- what each pipeline says ------------------------------------------------------

    def _load(self, source: str) -> None:
        """Load the model (and its tokenizer) from ``source``, a folder or a hub id."""
        raise NotImplementedError

    def _fingerprint_details(self) -> dict:
        """What besides the model and its revision changes this pipeline's answers."""
        return {}

    def _annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        """The outputs of ``texts``, in order (the model is loaded)."""
        raise NotImplementedError

    # -- loading helpers ---------------------------------------------------------------

    def _dtype(self):
        """The torch dtype to load in: the runtime's (torch-bfloat16), else float32 on
        the CPU and half precision on a GPU where the model allows it
        (gpu_plan.choose_dtype)."""
        name, _ = choose_dtype(
            self.device.split(":", 1)[0],
            stored_dtype(self.config),
            str(getattr(self.config, "model_type", "") or ""),
            bfloat16_ok(self.device),
            torch_dtype(self.runtime),
        )
        return getattr(self._torch, name)

    def _onnx_or_torch(self, identity: dict, make_onnx) -> object | None:
        """``make_onnx()``, or None when this automatic run falls back to PyTorch (the
        runtime is then torch, which the fingerprint says): choice.onnx_or_torch."""
        made = onnx_or_torch(self.model_name, identity, self.automatic, make_onnx)
        if made is None:
            self.runtime = TORCH
        return made

    def _device_plan(self) -> Plan:
        """Precision and batch size on this device (gpu_plan.plan), the model loaded."""
        return config_plan(
            self.device,
            getattr(self.model, "config", None) or self.config,
            stored_in=stored_dtype(self.config),  # as saved, not as loaded
            tokens=getattr(self, "max_length", None) or 512,
            bfloat16_ok=bfloat16_ok(self.device),
            free_bytes=None if self.device == "cpu" else free_memory(self.device),
            requested=torch_dtype(self.runtime),
        )

    def with_torch(self) -> HFBackend:
        """This model with its torch weights loaded (integrated gradients need them):
        itself, except for a classifier run from the ONNX cache alone."""
        return self

    def _onnx_threads(self) -> int:
        """ONNX Runtime's threads per run: torch's share of each CPU stream."""
        from ..batching import CPU_STREAMS

        return max(1, self._torch.get_num_threads() // CPU_STREAMS)

    def _load_tokenizer(self, source: str):
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(source, **self._load_kwargs)

    def _max_length(self) -> int:
        """The longest input the model takes (tokenizers often say 1e30: "no limit known")."""
        limits = []
        tokenizer_max = getattr(self.tokenizer, "model_max_length", None)
        if tokenizer_max and tokenizer_max < 1_000_000:
            limits.append(int(tokenizer_max))
        config = self.model.config
        positions = getattr(config, "max_position_embeddings", None) or getattr(
            config, "n_positions", None
        )
        if positions:
            # RoBERTa-style models offset positions by the padding index.
            limits.append(int(positions) - (2 if config.model_type in _ROBERTA_LIKE else 0))
        return min(limits) if limits else 512

    # -- the Backend interface ---------------------------------------------------------

    def fingerprint(self) -> dict:
        # Called once per row by the runner (cache keys): computed once, at load.
        return dict(self._fingerprint)

    def describe(self) -> str:
        return f"hf:{self.model_name}"

    def supports(self, task: Task) -> bool:
        return not self.refusal(task)

    def refusal(self, task: Task) -> str:
        """Why this labels-only model cannot run ``task``; "" when it can."""
        what = f"a {self.pipeline_task} model gives labels only"
        if not isinstance(task, ChoiceTask):
            return f"{what} and cannot answer a free prompt"
        if task.explain:
            return f"{what} and cannot explain them"
        return self._label_refusal(task, what)

    def _label_refusal(self, task: ChoiceTask, what: str) -> str:
        """Why this pipeline cannot give ``task``'s labels; "" when it can."""
        return ""

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        if self.model is None:
            raise BackendError(f"model {self.model_name} was closed")
        return self._annotate(task, texts)

    def _labels(self, task: Task) -> tuple[str, ...]:
        """The task's label set; an error for a task without one."""
        if not task.labels:
            raise BackendError(
                f"model {self.model_name} ({self.pipeline_task}) needs a task with a label set"
            )
        return tuple(task.labels)

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        with self._tokenizer_lock:
            ids = self.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        return [len(x) for x in ids]

    def close(self) -> None:
        """Drop the model (a backend serves one job); GPU memory goes back to the pool."""
        self.model = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self.device.startswith("cuda"):
            self._torch.cuda.empty_cache()
