"""The frozen app's entry point: ``llmstudio`` as the installed script runs it.

PyInstaller needs a script, not a module; ``llmstudio/__main__.py`` imports with a relative
name, which a top-level script cannot.
"""

import sys

from llmstudio.launch import main

if __name__ == "__main__":
    sys.exit(main())
