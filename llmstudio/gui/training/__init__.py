"""Analyse > Train a Classifier…: fine-tune a model on hand codes (train_dialog) and its
held-out scores (train_result)."""
