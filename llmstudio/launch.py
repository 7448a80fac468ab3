"""The ``llmstudio`` command's entry point: the installed script, ``python -m llmstudio``
and the desktop app all start here.

Before the command line's modules are imported (pandas among them: 0.3-0.5 s), an
``annotate`` of a local model already converted for ONNX Runtime begins loading the
model's session in a thread (:mod:`llmstudio.core.backends.head_start`), so that the two
overlap. Everything else is :func:`llmstudio.cli.process_main`'s.
"""

from __future__ import annotations

import sys

# The annotate options that name the model, its runtime and the task (cli.options'
# model_args and runtime_arg, cli.annotate's --task and its default; a test keeps them in
# step with the parser).
MODEL_OPTION, RUNTIME_OPTION, TASK_OPTION = "--model", "--runtime", "--task"
DEFAULT_TASK = "sentiment"


def early_model(argv: list[str]) -> tuple[str | None, str | None, str] | None:
    """(model or None, runtime or None, task) an ``annotate`` command line names, read as
    argparse reads them (``--model X`` or ``--model=X``, the last one given); None for
    another command."""
    if not argv or argv[0] != "annotate":
        return None
    found: dict[str, str] = {}
    words = argv[1:]
    for i, word in enumerate(words):
        if word == "--":
            break
        name, equals, value = word.partition("=")
        if name not in (MODEL_OPTION, RUNTIME_OPTION, TASK_OPTION):
            continue
        if not equals:
            if i + 1 >= len(words):
                continue
            value = words[i + 1]
        found[name] = value
    return found.get(MODEL_OPTION), found.get(RUNTIME_OPTION), found.get(TASK_OPTION, DEFAULT_TASK)


def head_start(argv: list[str]) -> None:
    """Begin loading the model ``argv`` will run, where it runs from the ONNX cache."""
    named = early_model(argv)
    if named is None:
        return
    model, runtime, task = named
    try:
        from .core.backends.head_start import begin

        if model is None:  # the command's own choice, made the same way (chosen_model)
            from .core.catalogue import DEFAULT_KINDS, default_model

            if task not in DEFAULT_KINDS:  # a prompt: the builtin cannot run it
                return
            model = default_model(task).spec
        begin(model, runtime)
    except Exception:  # noqa: BLE001
        # Only a head start: whatever failed here fails again where the command loads the
        # model, and is said there, in the command's words and its log.
        return


def cancelled() -> int:
    """Ctrl+C while the (slow) imports run, before the command's own handler exists: a
    cancel, not a crash, so no traceback; the exit status."""
    print("llmstudio: cancelled", file=sys.stderr)
    return 2  # cli.exit_codes.USAGE_OR_CANCELLED; not imported, the import may be cut


def main(argv: list[str] | None = None) -> int:
    """``llmstudio [COMMAND] ...``: the exit status."""
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        head_start(argv)
        from .cli import process_main
    except KeyboardInterrupt:
        return cancelled()
    return process_main(argv)
