"""Any Hugging Face transformers model, from a local folder or a hub id (``hf:PATH_OR_ID``).

What the model is used for is read from its config (``pipeline_task`` overrides it):

* ``text-classification``: a ``*ForSequenceClassification`` model (a sentiment model).
  Texts are classified in batches; the model's labels are mapped onto the task's labels:

  - by name, case-insensitively, with the task's synonyms (positive/negative/neutral,
    POS/NEG/NEU, pos/neg...);
  - through ``label_map`` (``{model label: task label}``), which wins over the rest;
    several model labels may map to one task label (their probabilities add up);
  - generic names ``LABEL_0, LABEL_1[, LABEL_2]`` (a model saved without label names)
    follow the common convention of sentiment models: two labels are negative, positive;
    three are negative, neutral, positive (cardiffnlp/twitter-roberta-base-sentiment,
    for one). Any other generic set needs a ``label_map``.

  A model label that cannot be mapped is an error naming the model's labels; task labels
  the model lacks get probability 0. The score is the probability of the chosen label.
* ``zero-shot-classification``: an NLI model (``entailment`` and ``contradiction`` or
  ``neutral`` among its labels), for any label set: each text is paired with the hypothesis
  "This text is {label}." and the entailment logits are normalised over the task's labels
  with a softmax (what ``pipeline("zero-shot-classification")`` does with
  ``multi_label=False``).
* ``text-generation``: a causal LM (``*ForCausalLM``, ``*LMHeadModel``). The prompt is the
  task's chat messages through the tokenizer's chat template when it has one, else plain
  "system / user / Answer:" text; greedy decoding; answers the task cannot parse become
  that row's error.
* ``embeddings``: anything else (a bare encoder, a sentence-transformers folder): exactly
  what the builtin backend does with its MiniLM (:mod:`.corpus_classifier`): sentiment by
  similarity to label descriptions, row by row; codebooks, several codes a text and coded
  examples by the embedding classifier over the whole corpus (self-training, fine-tuning).

Local inference runs under ``torch.inference_mode()`` on the device
:func:`~llmstudio.core.backends.device.best_device` picks (CUDA, MPS, CPU), with inputs
truncated to the model's maximum length. A classifier plans the runner's batches itself
(:meth:`HFBackend.plan_batches`): rows sorted by token length, and on the CPU cut by a
token budget rather than a row count (:func:`token_batches`), so that short texts go in
bigger batches and little time goes into padding. On the CPU torch uses one thread per
physical core (:func:`configure_cpu_threads`), and a batch runs as ``CPU_STREAMS``
concurrent streams that share those threads (:func:`split_even`).
``trust_remote_code`` stays off unless the user turns it on for a model they trust.

Hub ids load from the local Hugging Face cache when they are there; otherwise they are
downloaded (huggingface_hub's progress bars) when the hub can be reached, and refused with
a one-line message when it cannot (``HF_HUB_OFFLINE=1`` or no network).
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..progress import Monitor
from ..tasks.base import ParseError, Task
from ..tasks.choice import ChoiceTask
from .base import Backend, BackendError, RowError
from .corpus_classifier import CorpusClassifier

TEXT_CLASSIFICATION = "text-classification"
ZERO_SHOT = "zero-shot-classification"
TEXT_GENERATION = "text-generation"
EMBEDDINGS = "embeddings"
PIPELINE_TASKS = {
    TEXT_CLASSIFICATION: TEXT_CLASSIFICATION,
    "sentiment-analysis": TEXT_CLASSIFICATION,
    ZERO_SHOT: ZERO_SHOT,
    TEXT_GENERATION: TEXT_GENERATION,
    EMBEDDINGS: EMBEDDINGS,
    "feature-extraction": EMBEDDINGS,
    "sentence-similarity": EMBEDDINGS,
}

HYPOTHESIS_TEMPLATE = "This text is {}."
MAX_NEW_TOKENS = 40
HUB_TIMEOUT_S = 10.0
LABEL_MAPPING_VERSION = 1  # bump when the automatic label mapping rules change
# Generic label names (a model saved without names) read as sentiment, by count.
GENERIC_SENTIMENT = {2: ("negative", "positive"), 3: ("negative", "neutral", "positive")}
_GENERIC = re.compile(r"^label_(\d+)$", re.I)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_ROBERTA_LIKE = {"roberta", "xlm-roberta", "camembert", "longformer", "mpnet", "xlm-roberta-xl"}


def offline_message(model: str) -> str:
    return (
        f"model {model} is not on this computer and the Hugging Face hub cannot be "
        "reached; download it once online or give a local folder"
    )


def _hub_offline() -> bool:
    """HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE, read now (huggingface_hub reads them once, at
    import, so a setting made later in the process would otherwise be missed)."""
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return bool(constants.HF_HUB_OFFLINE) or any(
        (v or "").strip().upper() in {"1", "ON", "YES", "TRUE"} for v in flags
    )


# --------------------------------------------------------------------------------------
# CPU threads
# --------------------------------------------------------------------------------------

_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")  # torch reads these itself
_threads_set = False


def physical_cores() -> int | None:
    """Physical cores among the CPUs this process may run on (Linux), else None.

    Counts distinct (package, core) pairs of the CPUs in our affinity mask, and caps the
    count by a cgroup CPU quota (containers), so that it is this process's real share.
    """
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    cores = set()
    for cpu in cpus:
        base = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add(
                (
                    base.joinpath("physical_package_id").read_text().strip(),
                    base.joinpath("core_id").read_text().strip(),
                )
            )
        except OSError:
            cores.add(("cpu", str(cpu)))  # no topology: count the CPU itself
    count = len(cores) or len(cpus)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


def configure_cpu_threads() -> int:
    """Set torch's intra-op threads to the physical cores this process may use, unless the
    user chose (``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` is set: torch follows those);
    once per process. Returns the thread count in force.

    Why: torch's default comes from the machine's core count, not from the share this
    process gets; in a container with a CPU quota or under an affinity mask that is more
    threads than cores, and oversubscribed threads spin and wait on one another at every
    matmul. Hyperthreads are not counted either: two of one core share its vector units,
    so they add contention, not FLOP/s, to the dense matmuls a transformer is made of.
    """
    global _threads_set
    import torch

    if not _threads_set:
        _threads_set = True
        if not any(os.environ.get(v) for v in _THREAD_ENV):
            cores = physical_cores()
            if cores and cores != torch.get_num_threads():
                torch.set_num_threads(cores)
    return torch.get_num_threads()


# --------------------------------------------------------------------------------------
# Label mapping
# --------------------------------------------------------------------------------------


def _task_label(task: Task, word: str) -> str | None:
    """The task's label for a model's label word: the task's own rule (case, synonyms)
    when it has one, else a case-insensitive match."""
    label_of = getattr(task, "label_of", None)
    if label_of is not None:
        return label_of(word)
    key = word.strip().lower()
    return next((label for label in task.labels if label.lower() == key), None)


def map_labels(
    model: str, model_labels: list[str], task: Task, label_map: dict[str, str] | None = None
) -> list[str]:
    """The task label of each of the model's labels (in the model's label order).

    Raises :class:`BackendError` naming the model's labels when one cannot be mapped.
    """
    given = {str(k).strip().lower(): v for k, v in (label_map or {}).items()}
    generic = [_GENERIC.match(name.strip()) for name in model_labels]
    convention = None
    if all(generic) and sorted(int(m.group(1)) for m in generic) == list(range(len(generic))):
        convention = GENERIC_SENTIMENT.get(len(model_labels))

    mapped, missing = [], []
    for name in model_labels:
        if name.strip().lower() in given:
            target = given[name.strip().lower()]
            label = _task_label(task, str(target))
            if label is None:
                raise BackendError(
                    f"label_map sends the model label {name!r} to {target!r}, which is not "
                    f"one of the task's labels ({', '.join(task.labels)})"
                )
        else:
            label = _task_label(task, name)
            if label is None and convention is not None:
                label = _task_label(task, convention[int(_GENERIC.match(name.strip()).group(1))])
        if label is None:
            missing.append(name)
        mapped.append(label)
    if missing:
        raise BackendError(
            f"cannot map the labels of model {model} ({', '.join(model_labels)}) onto the "
            f"task's labels ({', '.join(task.labels)}): no match for {', '.join(missing)}; "
            "give a label_map, e.g. {" + f"{missing[0]!r}: {task.labels[0]!r}" + "}"
        )
    return mapped


def _is_nli(id2label: dict) -> bool:
    names = {str(v).strip().lower() for v in id2label.values()}
    return "entailment" in names and bool(names & {"contradiction", "neutral", "not_entailment"})


def detect_pipeline_task(config) -> str:
    """What a model is for, from its config (see the module docstring)."""
    architectures = list(getattr(config, "architectures", None) or [])
    if any(a.endswith("ForSequenceClassification") for a in architectures):
        return (
            ZERO_SHOT if _is_nli(getattr(config, "id2label", None) or {}) else TEXT_CLASSIFICATION
        )
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        return TEXT_GENERATION
    return EMBEDDINGS


# --------------------------------------------------------------------------------------
# Padding
# --------------------------------------------------------------------------------------

# What one more forward call costs on the CPU, in padded tokens' worth of work: the fixed
# cost of a call plus the lower matmul efficiency of a smaller batch.
GROUP_OVERHEAD_TOKENS = 64


# Tokens in one CPU batch per row of ``batch_size``: the default 32 rows give 2,048 tokens,
# 80 tweets of 25 tokens but 4 texts of 512. A forward pass costs about its token count
# (padding included), and a matmul of ~2,000 rows is at its best rate on a CPU.
TOKENS_PER_ROW = 64
# Concurrent forward streams on the CPU, each with its share of torch's threads. Two
# streams of one thread beat one stream of two on a 2-core machine: no thread waits at a
# barrier for the other after every op (costly when another process takes a core for a
# moment), and one stream's Python work (tokenising, module calls) overlaps the other's
# matmuls.
CPU_STREAMS = 2


def token_batches(lengths: list[int], budget: int) -> list[tuple[int, int]]:
    """Cut ascending token ``lengths`` into runs ``[a, b)`` whose padded size (rows x
    longest) stays within ``budget`` tokens; a text longer than the budget goes alone."""
    runs, a = [], 0
    for b, length in enumerate(lengths):
        if b > a and (b - a + 1) * length > budget:
            runs.append((a, b))
            a = b
    if lengths:
        runs.append((a, len(lengths)))
    return runs


def split_even(lengths: list[int], parts: int) -> list[tuple[int, int]]:
    """Cut ``lengths`` into at most ``parts`` contiguous non-empty runs of about equal
    sums (the work of each concurrent stream)."""
    total, runs, a, acc = sum(lengths), [], 0, 0
    for b, length in enumerate(lengths, 1):
        acc += length
        if len(runs) < parts - 1 and acc * parts >= total * (len(runs) + 1) and b < len(lengths):
            runs.append((a, b))
            a = b
    if a < len(lengths):
        runs.append((a, len(lengths)))
    return runs


def length_groups(
    lengths: list[int], overhead: int = GROUP_OVERHEAD_TOKENS
) -> list[tuple[int, int]]:
    """Cut ascending token ``lengths`` into runs ``[a, b)`` that minimise the tokens
    processed (each run padded to its longest) plus ``overhead`` per run.

    For batches the backend did not plan itself (a runner's rows sorted by characters, a
    loose proxy for tokens: an emoji, a URL or an @mention is many tokens for few
    characters): over TweetEval, batches of 32 so sorted carry 44% padding; cut this way,
    12%. Exact, by dynamic programming (n is a batch).
    """
    n = len(lengths)
    best = [0] + [float("inf")] * n
    start = [0] * (n + 1)
    for b in range(1, n + 1):
        for a in range(b):
            cost = best[a] + (b - a) * lengths[b - 1] + overhead
            if cost < best[b]:
                best[b], start[b] = cost, a
    runs, b = [], n
    while b > 0:
        runs.append((start[b], b))
        b = start[b]
    return runs[::-1]


# --------------------------------------------------------------------------------------
# Files and revisions
# --------------------------------------------------------------------------------------

_hash_memo: dict[tuple, str] = {}


def weights_hash(folder: Path) -> str | None:
    """A short sha256 of a folder's weight files (None when there are none); memoised per
    file size and modification time, since hashing gigabytes takes seconds."""
    files = (
        sorted(folder.glob("*.safetensors"))
        or sorted(folder.glob("pytorch_model*.bin"))
        or sorted(folder.glob("*.bin"))
    )
    if not files:
        return None
    stats = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    if stats not in _hash_memo:
        h = hashlib.sha256()
        for f in files:
            h.update(f.name.encode())
            with open(f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        _hash_memo[stats] = h.hexdigest()[:16]
    return _hash_memo[stats]


def _cached_snapshot(repo_id: str, revision: str | None) -> Path | None:
    """The local cache's snapshot folder of a hub model (None when it is not cached)."""
    from huggingface_hub import try_to_load_from_cache

    for marker in ("config.json", "modules.json"):
        try:
            found = try_to_load_from_cache(repo_id, marker, revision=revision)
        except ValueError:  # not a valid repo id
            return None
        if isinstance(found, str):
            return Path(found).parent
    return None


def _chain(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def _load_error(model: str, exc: BaseException) -> BackendError:
    """A one-line :class:`BackendError` for a failed load."""
    from huggingface_hub import errors

    for e in _chain(exc):
        if isinstance(e, (errors.OfflineModeIsEnabled, errors.LocalEntryNotFoundError)):
            return BackendError(offline_message(model))
        if isinstance(e, errors.GatedRepoError):
            return BackendError(
                f"model {model} is gated on the Hugging Face hub: accept its "
                "terms on its page and log in (`hf auth login`)"
            )
        if isinstance(e, errors.RepositoryNotFoundError):
            return BackendError(
                f"there is no model {model} on the Hugging Face hub (or it is "
                "private: log in with `hf auth login`)"
            )
        if isinstance(e, errors.RevisionNotFoundError):
            return BackendError(f"model {model} has no revision by that name on the hub")
        # httpx, httpx2 or requests, whichever huggingface_hub uses: known by name.
        names = {cls.__name__ for cls in type(e).__mro__}
        if isinstance(e, (ConnectionError, TimeoutError, socket.gaierror)) or names & {
            "ConnectError",
            "ConnectTimeout",
            "ConnectionError",
            "ReadTimeout",
            "TimeoutException",
            "NetworkError",
            "ProxyError",
        }:
            return BackendError(offline_message(model))
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if "trust_remote_code" in str(exc):
        line = (
            "it needs code from its repository to run; allow that only for a model "
            "you trust (trust_remote_code)"
        )
    return BackendError(f"could not load model {model}: {line}")


# --------------------------------------------------------------------------------------
# The backend
# --------------------------------------------------------------------------------------


class HFBackend(Backend):
    """A transformers model (local folder or hub id) for classification, NLI zero-shot,
    generation or embeddings; see the module docstring."""

    kind = "hf"

    def __init__(
        self,
        model: str,
        *,
        device: str | None = None,
        trust_remote_code: bool = False,
        batch_size: int = 32,
        label_map: dict[str, str] | None = None,
        pipeline_task: str | None = None,
        revision: str | None = None,
    ):
        import torch

        from .device import best_device

        self.model_name = str(model).strip()
        self.device = device or best_device()
        self.trust_remote_code = bool(trust_remote_code)
        self.batch_size = max(1, int(batch_size))
        self.label_map = dict(label_map) if label_map else None
        self.revision = revision
        self._pool: ThreadPoolExecutor | None = None  # CPU streams, made on first use
        # A fast tokenizer is not safe to call from two threads at once (its padding and
        # truncation settings are switched per call): the streams take turns with it.
        self._tokenizer_lock = threading.Lock()
        if self.device == "cpu":
            configure_cpu_threads()

        self.folder, self.hub_id = self._locate(self.model_name)
        offline = _hub_offline()
        self._load_kwargs = {"trust_remote_code": self.trust_remote_code}
        if self.hub_id:
            self._load_kwargs["revision"] = revision
            if offline:  # never let a loader try the network: the cache or nothing
                self._load_kwargs["local_files_only"] = True
        source = str(self.folder) if self.folder else self.hub_id
        self._source = source

        self.config = None
        try:
            self.config = self._load_config(source)
        except BackendError:
            raise
        except Exception as exc:
            if not (self.folder and (self.folder / "modules.json").is_file()):
                raise _load_error(self.model_name, exc) from None

        if pipeline_task is not None:
            if pipeline_task not in PIPELINE_TASKS:
                raise BackendError(
                    f"unknown pipeline_task {pipeline_task!r}; use one of "
                    f"{', '.join(sorted(set(PIPELINE_TASKS.values())))}"
                )
            self.pipeline_task = PIPELINE_TASKS[pipeline_task]
        else:
            self.pipeline_task = detect_pipeline_task(self.config) if self.config else EMBEDDINGS

        self._torch = torch
        try:
            loader = {
                TEXT_CLASSIFICATION: self._load_classifier,
                ZERO_SHOT: self._load_classifier,
                TEXT_GENERATION: self._load_generator,
                EMBEDDINGS: self._load_embedder,
            }[self.pipeline_task]
            loader(source)
        except BackendError:
            raise
        except Exception as exc:
            raise _load_error(self.model_name, exc) from None

        if self.hub_id:
            snapshot = _cached_snapshot(self.hub_id, revision)
            self.commit = snapshot.name if snapshot is not None else revision
            self._model_id = self.hub_id
        else:
            self.commit = weights_hash(self.folder)
            self._model_id = str(self.folder)
        self._fingerprint = self._make_fingerprint()

    # -- loading ---------------------------------------------------------------------

    def _locate(self, name: str) -> tuple[Path | None, str | None]:
        """(local folder, None) or (None, hub id); a hub id not in the cache is refused at
        once when the hub cannot be reached."""
        if not name:
            raise BackendError("no model given: hf:PATH_OR_HUB_ID")
        path = Path(name).expanduser()
        if path.is_dir():
            return path.resolve(), None
        looks_like_path = (
            name.startswith(("/", "~", ".", "\\"))
            or re.match(r"^[A-Za-z]:", name)
            or name.count("/") > 1
            or "\\" in name
        )
        if looks_like_path or not _HUB_ID.match(name):
            raise BackendError(f"no model folder {name} (and it is not a Hugging Face hub id)")
        if _cached_snapshot(name, self.revision) is None:
            if _hub_offline():
                raise BackendError(offline_message(name))
            self._ask_hub(name)
        return None, name

    def _ask_hub(self, name: str) -> None:
        """One quick question to the hub before a download: without it, a machine with no
        network would wait through huggingface_hub's retries (half a minute) to learn so,
        and an unknown or gated id would fail deep inside transformers."""
        from huggingface_hub import HfApi

        try:
            HfApi().model_info(name, revision=self.revision, timeout=HUB_TIMEOUT_S)
        except Exception as exc:
            raise _load_error(name, exc) from None

    def _load_config(self, source: str):
        from transformers import AutoConfig

        return AutoConfig.from_pretrained(source, **self._load_kwargs)

    def _dtype(self):
        # Checkpoint dtype (often fp16/bf16) on a GPU; float32 elsewhere, since half
        # precision on most CPUs is slower, not faster, and some ops lack kernels.
        return "auto" if self.device.startswith("cuda") else self._torch.float32

    def _load_tokenizer(self, source: str):
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(source, **self._load_kwargs)

    def _load_classifier(self, source: str) -> None:
        from transformers import AutoModelForSequenceClassification

        self.tokenizer = self._load_tokenizer(source)
        self.model = (
            AutoModelForSequenceClassification.from_pretrained(
                source, dtype=self._dtype(), **self._load_kwargs
            )
            .to(self.device)
            .eval()
        )
        id2label = getattr(self.model.config, "id2label", None) or {}
        self.model_labels = [
            str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}")))
            for i in range(self.model.config.num_labels)
        ]
        self.max_length = self._max_length()
        if self.pipeline_task == ZERO_SHOT:
            lowered = [name.strip().lower() for name in self.model_labels]
            entail = [i for i, name in enumerate(lowered) if name.startswith("entail")]
            if not entail:
                raise BackendError(
                    f"model {self.model_name} has no entailment label "
                    f"({', '.join(self.model_labels)}), so it cannot do zero-shot classification"
                )
            self.entailment_id = entail[0]
            contra = [i for i, name in enumerate(lowered) if name.startswith("contradict")]
            self.contradiction_id = contra[0] if contra else None

    def _load_generator(self, source: str) -> None:
        from transformers import AutoModelForCausalLM

        self.tokenizer = self._load_tokenizer(source)
        # Left padding: every prompt in a batch then ends where generation begins.
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            fallback = self.tokenizer.eos_token or self.tokenizer.unk_token
            if fallback is None:
                raise BackendError(
                    f"model {self.model_name}'s tokenizer has no padding, end "
                    "or unknown token, so its prompts cannot be batched"
                )
            self.tokenizer.pad_token = fallback
        self.model = (
            AutoModelForCausalLM.from_pretrained(source, dtype=self._dtype(), **self._load_kwargs)
            .to(self.device)
            .eval()
        )
        self.chat_template = bool(getattr(self.tokenizer, "chat_template", None))
        self.max_length = self._max_length()
        self.max_new_tokens = MAX_NEW_TOKENS

    def _load_embedder(self, source: str) -> None:
        from sentence_transformers import SentenceTransformer

        from .builtin import LabelSimilarity, embed_texts

        # A sentence-transformers folder brings its own pooling; a bare encoder gets mean
        # pooling (sentence-transformers' default for a plain transformers model).
        self.model = SentenceTransformer(
            source,
            device=self.device,
            trust_remote_code=self.trust_remote_code,
            revision=self._load_kwargs.get("revision"),
            local_files_only=bool(self._load_kwargs.get("local_files_only")),
        )
        self._similarity = LabelSimilarity(
            lambda texts: embed_texts(self.model, texts, self.batch_size)
        )
        self._corpus = CorpusClassifier(self.model, self.batch_size, f"model {self.model_name}")

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

    # -- interface -------------------------------------------------------------------

    def _make_fingerprint(self) -> dict:
        fp = {
            "kind": self.kind,
            "model": self._model_id,
            "revision": self.commit,
            "pipeline_task": self.pipeline_task,
        }
        if self.pipeline_task in (TEXT_CLASSIFICATION, ZERO_SHOT):
            fp["model_labels"] = self.model_labels
            fp["max_length"] = self.max_length
        if self.pipeline_task == TEXT_CLASSIFICATION:
            fp["label_mapping"] = {"version": LABEL_MAPPING_VERSION, "label_map": self.label_map}
        elif self.pipeline_task == ZERO_SHOT:
            fp["hypothesis_template"] = HYPOTHESIS_TEMPLATE
        elif self.pipeline_task == TEXT_GENERATION:
            template = getattr(self.tokenizer, "chat_template", None) or ""
            fp["generation"] = {
                "do_sample": False,
                "max_new_tokens": self.max_new_tokens,
                "prompt": "chat template" if self.chat_template else "plain",
                "template": hashlib.sha256(str(template).encode()).hexdigest()[:12]
                if template
                else None,
            }
        else:
            from .builtin import LabelSimilarity

            fp["method"] = LabelSimilarity.method
            fp["scale"] = self._similarity.scale
            fp.update(CorpusClassifier.method())
        return fp

    def fingerprint(self) -> dict:
        # Called once per row by the runner (cache keys): computed once, at load.
        return dict(self._fingerprint)

    def describe(self) -> str:
        return f"hf:{self.model_name}"

    def supports(self, task: Task) -> bool:
        return self.pipeline_task == TEXT_GENERATION or not self.refusal(task)

    def refusal(self, task: Task) -> str:
        """Why this (non-generative) model cannot run ``task``; "" when it can."""
        if self.pipeline_task == TEXT_GENERATION:
            return ""
        what = f"a {self.pipeline_task} model gives labels only"
        if not isinstance(task, ChoiceTask):
            return f"{what} and cannot answer a free prompt"
        if task.explain:
            return f"{what} and cannot explain them"
        if self.pipeline_task == EMBEDDINGS:
            return ""  # examples and several codes a text: the corpus classifier
        if task.examples:
            return f"{what} and does not learn from examples here"
        if getattr(task, "multi_label", False) and not (
            self.pipeline_task == ZERO_SHOT and self.contradiction_id is not None
        ):
            return f"{what} from one set; multi-label coding needs an NLI (zero-shot) model"
        if self.pipeline_task == TEXT_CLASSIFICATION:
            try:  # labels the model cannot give: said before the first row, not after all
                map_labels(self.model_name, self.model_labels, task, self.label_map)
            except BackendError as exc:
                return str(exc)
        return ""

    def transductive(self, task: Task) -> bool:
        return self.pipeline_task == EMBEDDINGS and CorpusClassifier.transductive(task)

    def prepare(self, task: Task, texts: list[str], monitor: Monitor | None = None) -> None:
        if self.pipeline_task == EMBEDDINGS:
            self._corpus.prepare(task, texts, monitor)

    def close(self) -> None:
        """Drop the model (a backend serves one job); GPU memory goes back to the pool."""
        self.model = None
        if self.pipeline_task == EMBEDDINGS:
            self._corpus.model = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self.device.startswith("cuda"):
            self._torch.cuda.empty_cache()

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        if self.model is None:
            raise BackendError(f"model {self.model_name} was closed")
        if self.pipeline_task == TEXT_GENERATION:
            out: list[dict | RowError] = []
            for start in range(0, len(texts), self.batch_size):
                out += self._generate(task, texts[start : start + self.batch_size])
            return out
        if not getattr(task, "labels", None):
            raise BackendError(
                f"model {self.model_name} ({self.pipeline_task}) needs a task with a label set"
            )
        labels = tuple(task.labels)
        if self.transductive(task):
            return self._corpus.annotate(task, texts)
        if self.pipeline_task == EMBEDDINGS:
            return self._similarity.annotate(task, texts)
        if self.pipeline_task == ZERO_SHOT:
            return [task.from_probabilities(s) for s in self._zero_shot(task, texts)]
        mapping = map_labels(self.model_name, self.model_labels, task, self.label_map)
        if not texts:
            return []
        out: list = [None] * len(texts)
        lengths = self._token_lengths(texts)
        # A batch the runner planned comes back as one batch (it is within the budget).
        for batch in self._plan(lengths):
            probs_of = self._classify([texts[i] for i in batch], [lengths[i] for i in batch])
            for i, probs in zip(batch, probs_of, strict=True):
                scores = dict.fromkeys(labels, 0.0)
                for label, p in zip(mapping, probs, strict=True):
                    scores[label] += p
                out[i] = task.from_probabilities(scores)
        return out

    def input_limit(self, task: Task) -> int:
        """The model's maximum length less its special tokens; for an NLI model also the
        longest hypothesis (premise and hypothesis are read together); for a generative
        one also the prompt around the text and room for the answer."""
        if self.pipeline_task == EMBEDDINGS:
            from .builtin import sentence_model_limit

            return sentence_model_limit(self.model)
        if self.pipeline_task == TEXT_CLASSIFICATION:
            return self.max_length - self.tokenizer.num_special_tokens_to_add(pair=False)
        if self.pipeline_task == ZERO_SHOT:
            hypotheses = [task.hypothesis(label, HYPOTHESIS_TEMPLATE) for label in task.labels]
            return (
                self.max_length
                - self.tokenizer.num_special_tokens_to_add(pair=True)
                - max(self.count_tokens(hypotheses), default=0)
            )
        with self._tokenizer_lock:
            prompt = len(
                self.tokenizer(
                    self._prompt(task, ""), verbose=False, add_special_tokens=not self.chat_template
                )["input_ids"]
            )
        return self.max_length - self._new_tokens(task) - prompt

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        if self.pipeline_task == EMBEDDINGS:
            from .builtin import sentence_model_tokens

            return sentence_model_tokens(self.model, texts)
        with self._tokenizer_lock:
            ids = self.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        return [len(x) for x in ids]

    def plan_batches(self, texts: list[str]) -> list[list[int]] | None:
        """The runner's batches (lists of indices into ``texts``), or None to leave them to
        the runner: for a classifier, texts sorted by token length (one tokenizer call for
        all), cut on the CPU by a budget of ``batch_size * TOKENS_PER_ROW`` padded tokens,
        elsewhere into ``batch_size`` rows."""
        if self.pipeline_task != TEXT_CLASSIFICATION or not texts:
            return None
        return self._plan(self._token_lengths(texts))

    def _plan(self, lengths: list[int]) -> list[list[int]]:
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        if self.device == "cpu":
            runs = token_batches([lengths[i] for i in order], self.batch_size * TOKENS_PER_ROW)
        else:
            runs = [(a, a + self.batch_size) for a in range(0, len(order), self.batch_size)]
        return [order[a:b] for a, b in runs]

    # -- the work --------------------------------------------------------------------

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
                return_tensors="pt",
            )
        if self.device != "cpu":
            encoded = {k: v.to(self.device) for k, v in encoded.items()}
        with self._torch.inference_mode():
            return self.model(**encoded).logits.float().cpu()

    def _classify(self, texts: list[str], lengths: list[int] | None = None) -> list[list[float]]:
        """Probabilities over the model's labels, one list per text (``top_k=None``)."""
        torch = self._torch
        logits = self._forward(texts, lengths=lengths)
        config = self.model.config
        # As the text-classification pipeline does: sigmoid for multi-label or one-logit
        # models, softmax otherwise.
        if config.problem_type == "multi_label_classification" or config.num_labels == 1:
            probs = torch.sigmoid(logits)
        else:
            probs = torch.softmax(logits, dim=-1)
        return probs.cpu().tolist()

    def _zero_shot(self, task: Task, texts: list[str]) -> list[dict[str, float]]:
        """Label probabilities from an NLI model, as the zero-shot pipeline computes them:
        entailment logits softmaxed across the labels, or for multi-label each label's
        entailment against contradiction on its own."""
        torch = self._torch
        labels = tuple(task.labels)
        hypotheses = [task.hypothesis(label, HYPOTHESIS_TEMPLATE) for label in labels]
        multi = getattr(task, "multi_label", False)
        pairs = [(text, h) for text in texts for h in hypotheses]
        entail = []
        for start in range(0, len(pairs), self.batch_size):
            chunk = pairs[start : start + self.batch_size]
            logits = self._forward(
                [p for p, _ in chunk], [h for _, h in chunk], truncation="only_first"
            )
            if multi:
                pair = logits[:, [self.contradiction_id, self.entailment_id]]
                entail.append(torch.softmax(pair, dim=1)[:, 1])
            else:
                entail.append(logits[:, self.entailment_id])
        per_text = torch.cat(entail).view(len(texts), len(labels))
        probs = (per_text if multi else torch.softmax(per_text, dim=1)).cpu().tolist()
        return [dict(zip(labels, p, strict=True)) for p in probs]

    def _prompt(self, task: Task, text: str) -> str:
        messages = task.messages(text)
        if self.chat_template:
            try:
                return self.tokenizer.apply_chat_template(
                    messages, tokenize=False, add_generation_prompt=True
                )
            except Exception:
                # Some templates refuse a system turn: fold it into the user's.
                system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
                rest = [dict(m) for m in messages if m["role"] != "system"]
                if rest and system:
                    rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
                return self.tokenizer.apply_chat_template(
                    rest, tokenize=False, add_generation_prompt=True
                )
        parts = [m["content"] for m in messages if m["role"] == "system"]
        parts += [m["content"] for m in messages if m["role"] != "system"]
        return "\n\n".join(parts) + "\n\nAnswer:"

    def _new_tokens(self, task: Task) -> int:
        """Room for the answer: a label's JSON in 40 tokens; explanations and free prompts
        (a rewrite, a summary) get twice the task's expected length."""
        return max(self.max_new_tokens, 2 * task.expected_output_tokens())

    def _fitted_prompt(self, task: Task, text: str) -> str:
        """The prompt, with the text shortened when prompt + answer would not fit."""
        prompt = self._prompt(task, text)
        budget = self.max_length - self._new_tokens(task)
        over = (
            len(
                self.tokenizer(prompt, add_special_tokens=not self.chat_template, verbose=False)[
                    "input_ids"
                ]
            )
            - budget
        )
        if over > 0:
            ids = self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
            text = self.tokenizer.decode(ids[: max(0, len(ids) - over)])
            prompt = self._prompt(task, text)
        return prompt

    def _generate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        torch = self._torch
        prompts = [self._fitted_prompt(task, text) for text in texts]
        # A chat template writes its own special tokens (BOS); a plain prompt needs them.
        encoded = self.tokenizer(
            prompts, padding=True, return_tensors="pt", add_special_tokens=not self.chat_template
        )
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        with torch.inference_mode():
            generated = self.model.generate(
                **encoded,
                do_sample=False,
                max_new_tokens=self._new_tokens(task),
                pad_token_id=self.tokenizer.pad_token_id,
                temperature=None,
                top_p=None,
                top_k=None,
            )
        answers = self.tokenizer.batch_decode(
            generated[:, encoded["input_ids"].shape[1] :], skip_special_tokens=True
        )
        out: list[dict | RowError] = []
        for answer in answers:
            try:
                out.append(task.parse(answer))
            except ParseError as exc:
                out.append(RowError(f"unparseable answer: {exc}"))
        return out
