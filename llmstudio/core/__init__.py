"""Qt-free core: everything the GUI and the CLI do goes through here.

Nothing under ``llmstudio.core`` may import Qt (``tests/core/test_no_qt.py`` enforces it).
"""
