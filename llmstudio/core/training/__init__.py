"""Train a classifier on a codebook's hand codes (``llmstudio train``, Analyse > Train a
Classifier…): a transformer encoder (the builtin MiniLM, or any ``hf:`` encoder) with a
classification head, fine-tuned on the codes, tested on held-out codes (k-fold
cross-validation, or one held-out fifth for large sets) beside the builtin few-shot method
on the same folds, and saved as a model folder that plain transformers loads and
``annotate`` runs as ``hf:FOLDER``.

Modules: ``data`` (texts and codes from a project or an examples file; enough codes?),
``settings`` (the parameters; the base model), ``loop`` (the training loop, predictions),
``folds`` (the held-out trainings, the learning curve, the few-shot comparison),
``metrics`` (accuracy, macro-F1, per-code scores with intervals), ``card`` (README.md,
metrics.json, the training record), ``train`` (all of it; where a project's models live).
"""

from .card import read_record
from .data import TrainingData, check_enough, from_examples, from_project, needed_per_label
from .settings import TrainSettings
from .train import TrainResult, check_out, models_folder, project_models, train_classifier

__all__ = [
    "TrainResult",
    "TrainSettings",
    "TrainingData",
    "check_enough",
    "check_out",
    "from_examples",
    "from_project",
    "models_folder",
    "needed_per_label",
    "project_models",
    "read_record",
    "train_classifier",
]
