"""How a classifier is trained and tested: :class:`TrainSettings`, and the base model it
starts from (:func:`base_model`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..backends.hf.loading import locate
from ..backends.spec import ModelSpec
from ..embedding.minilm import model_dir
from ..errors import BackendError, TrainingError

__all__ = ["BaseModel", "TrainSettings", "base_model"]


@dataclass(frozen=True)
class TrainSettings:
    """The training parameters (written to the model card).

    ``folds``: k of the k-fold cross-validation; sets larger than ``split_above`` texts
    are tested on one stratified held-out fifth instead (k trainings would take hours).
    ``curve``: the shares of each training part the learning curve also trains on (empty:
    no curve). ``compare_few_shot``: run the builtin few-shot method on the same folds.
    ``device``: None picks CUDA, then MPS, then the CPU (``backends.device``)."""

    base: str = "builtin"
    folds: int = 5
    epochs: int = 4
    batch_size: int = 16
    learning_rate: float = 5e-5
    max_length: int = 128
    warmup: float = 0.1
    weight_decay: float = 0.01
    seed: int = 0
    curve: tuple[float, ...] = (0.25, 0.5)
    compare_few_shot: bool = True
    split_above: int = 2000
    device: str | None = None

    def problem(self) -> str:
        """What is wrong with these settings, in words ("" when nothing)."""
        if not 2 <= self.folds <= 20:
            return f"folds must be 2 to 20, not {self.folds}"
        if not 1 <= self.epochs <= 100:
            return f"epochs must be 1 to 100, not {self.epochs}"
        if self.batch_size < 1:
            return f"the batch size must be 1 or more, not {self.batch_size}"
        if not 0 < self.learning_rate < 1:
            return f"the learning rate must be between 0 and 1, not {self.learning_rate}"
        if not 8 <= self.max_length <= 4096:
            return f"the maximum length must be 8 to 4096 tokens, not {self.max_length}"
        if any(not 0 < share < 1 for share in self.curve):
            return "the learning curve's shares must lie between 0 and 1"
        return ""

    def to_dict(self) -> dict:
        out = asdict(self)
        out["curve"] = list(self.curve)
        return out


@dataclass(frozen=True)
class BaseModel:
    """The model training starts from: ``path`` for the loaders, ``name`` for the card."""

    name: str
    path: str
    load_kwargs: dict


def base_model(spec: str) -> BaseModel:
    """The encoder ``spec`` names: ``builtin`` (the bundled MiniLM, which has no
    classification head: one is added) or ``hf:FOLDER_OR_HUB_ID``. Raises
    :class:`TrainingError` for any other kind of model."""
    try:
        parsed = ModelSpec.parse(spec)
    except BackendError as exc:
        raise TrainingError(f"--base: {exc}") from None
    if parsed.kind == "builtin":
        return BaseModel("builtin (all-MiniLM-L6-v2)", str(model_dir()), {})
    if parsed.kind != "hf":
        raise TrainingError(
            f"--base {spec}: training needs a local transformer encoder, builtin or "
            "hf:FOLDER_OR_HUB_ID (e.g. hf:roberta-base), not an API or lexicon model"
        )
    try:
        source = locate(parsed.name)
    except BackendError as exc:
        raise TrainingError(f"--base {spec}: {exc}") from None
    kwargs = {k: v for k, v in source.load_kwargs.items() if v is not None}
    return BaseModel(f"hf:{parsed.name}", source.path, kwargs)
