"""PySide6 front end: windows, dialogs, Qt models and workers over ``llmstudio.core``."""
