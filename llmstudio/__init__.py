"""llmstudio: analyse text corpora with language models."""

__version__ = "0.1.0"
