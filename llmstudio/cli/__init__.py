"""Command line: the same core calls as the GUI, for scripts and reproducibility.

    llmstudio [FILE] [--screenshot OUT.png]   open the window (optionally on FILE)
    llmstudio inspect FILE [--json]           how a file is read
    llmstudio convert FILE --out OUT          import, then export (.csv .xlsx .parquet)
    llmstudio demo --out DIR                  headless demo on the bundled sample
    llmstudio agree FILE --columns A B [C..]  agreement between coder/model columns
    llmstudio export PROJECT --out FILE       annotated table (.csv .xlsx .parquet .dta)
    llmstudio export PROJECT --methods OUT.md methods record (.md or .html)
    llmstudio export PROJECT --coding-log F   every click of the coding by hand, with memos
    llmstudio passages PROJECT --codebook B --out F   coded passages of a code, with context
    llmstudio crosstab PROJECT --codebook B --by COL --out F   codes by a column's groups
    llmstudio estimate FILE --model-column M --gold-column G   shares corrected for model error
    llmstudio bias FILE --swap gender --out DIR   counterfactual swaps: does the label change?
    llmstudio probe --model SPEC --probe eec|occupations --out DIR   template/completion probes
    llmstudio replicate PROJECT --run N [--temperature T ...]   ask a run's task again
    llmstudio agree PROJECT --run N --run M   run-to-run stability (replicates)
    llmstudio explain PROJECT --row N --run M [--method occlusion|gradients] [--out F]
                                              which words moved a row's label
    llmstudio runs PROJECT                    list runs; runs resume|discard|rename|delete
    llmstudio models list [--json]            the catalogue of recommended models
    llmstudio train PROJECT --codebook B --out DIR   a classifier fine-tuned on hand codes

One module per command (``inspect_cmd``, ``convert``, ``demo``, ``annotate``, ``agree``,
``bias``, ``probe``, ``export``, ``replicate``, ``runs``): its parser in ``register``, its work
in ``run``. What several commands share: ``options`` (model, labels, API options),
``reading`` (reading a file), ``checks`` (before any work), ``target`` (the project a run
goes into), ``sending`` (what goes to an API), ``progress_line``; ``parser`` makes the
parsers. Errors print one line on stderr (what and where), never a traceback; the exit
statuses are one table for every command (``exit_codes.py``: 0 done, 1 error, 2 usage or
cancelled).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..core.errors import LlmstudioError, UsageError
from ..core.secrets import redact
from ..log import log, setup_logging, show_notices
from . import (
    agree,
    annotate,
    batch,
    bias,
    convert,
    demo,
    estimate,
    explain_cmd,
    export,
    import_cmd,
    inspect_cmd,
    models,
    passages_cmd,
    probe,
    replicate,
    runs,
    train,
)
from .exit_codes import DONE, ERROR, USAGE_OR_CANCELLED
from .parser import Commands, gui_parser

# The command modules, each registering its command's parser.
MODULES = (
    inspect_cmd,
    convert,
    demo,
    annotate,
    agree,
    bias,
    probe,
    export,
    passages_cmd,
    estimate,
    import_cmd,
    replicate,
    runs,
    models,
    batch,
    explain_cmd,
    train,
)


def parsers() -> dict[str, argparse.ArgumentParser]:
    """Each command's parser by its name, as its module registers it."""
    commands = Commands()
    for module in MODULES:
        module.register(commands)
    return commands.parsers


def main(argv: list[str] | None = None) -> int:
    """``llmstudio [COMMAND] ...`` (``argv``, default ``sys.argv``): the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    log_path = setup_logging()
    try:
        commands = parsers()
        if argv and argv[0] in commands:
            show_notices()  # a model converted once, a runtime chosen: said as it happens
            args = commands[argv[0]].parse_args(argv[1:])
            if getattr(args, "base_url", None):
                from ..core.secrets import accept_url, clean_url, url_problem

                problem = url_problem(args.base_url)
                if problem:
                    raise UsageError(f"--base-url {clean_url(args.base_url)}: {problem}")
                # A password or token in the URL goes with the requests, nowhere else: from
                # here on the command holds the URL without it.
                args.base_url = accept_url(args.base_url)
            return args.func(args)
        args = gui_parser().parse_args(argv)
        from ..gui.app import run, screenshot

        if args.screenshot:
            if args.file and not Path(args.file).exists():
                raise LlmstudioError(f"{args.file}: no such file")
            screenshot(args.file, args.screenshot)
            print(f"wrote {args.screenshot}", file=sys.stderr)
            return DONE
        return run(args.file)
    except UsageError as exc:
        log.info("usage error", exc_info=exc)
        # redacted: an error may quote the base URL typed, password and all
        print(redact(f"llmstudio: error: {exc}"), file=sys.stderr)
        return USAGE_OR_CANCELLED
    except LlmstudioError as exc:
        log.warning("error", exc_info=exc)
        print(redact(f"llmstudio: error: {exc}"), file=sys.stderr)
        return ERROR
    except KeyboardInterrupt as exc:  # before a command's own Ctrl+C handling is in place
        log.info("cancelled", exc_info=exc)
        print("llmstudio: cancelled", file=sys.stderr)
        return USAGE_OR_CANCELLED
    except BrokenPipeError:
        # The reader went away (`llmstudio agree ... | head`): not an error. Python would
        # complain again when it flushes stdout at exit, so point stdout at nowhere first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return DONE
    except Exception as exc:  # the user gets one line; the details go to a log file
        log.error("internal error", exc_info=exc)
        where = f"; details in {log_path}" if log_path.exists() else ""
        print(
            redact(f"llmstudio: internal error: {type(exc).__name__}: {exc}{where}"),
            file=sys.stderr,
        )
        return ERROR


def process_main(argv: list[str] | None = None) -> int:
    """:func:`main` as a process's entry point (the ``llmstudio`` command, ``python -m
    llmstudio``): the same, then everything alive is left out of the garbage collector.
    With torch and transformers loaded, the interpreter's last collections on the way out
    walk millions of objects for a second or more (1.5-2 s measured with the MiniLM
    classifier, benchmarks/end_to_end_bound.py) to free memory the process is about to
    hand back anyway. Every file and project is closed by then; atexit handlers still
    run."""
    code = main(argv)
    import gc

    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(process_main())
