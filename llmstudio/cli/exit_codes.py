"""The exit statuses of every ``llmstudio`` command: one table, the same meaning everywhere.

=====  =================================================================================
code   meaning
=====  =================================================================================
0      done
1      error: a file, the project, the model or the server (a missing file, no such
       column, a model that cannot run the task, a server that cannot be reached, every
       row failed), or an internal error (a bug: the message names the crash log)
2      usage (an unknown option, a bad value or options that do not go together, found
       before any file is read) or cancelled (Ctrl+C; the rows finished are kept)
=====  =================================================================================
"""

DONE = 0
ERROR = 1
USAGE_OR_CANCELLED = 2

# The table as ``llmstudio --help`` and every command's help end with it.
TABLE = """exit statuses (every command):
  0  done
  1  error: a file, the project, the model or the server (a missing file, no such
     column, a model that cannot run the task, an unreachable server, every row
     failed), or an internal error (the message names the crash log)
  2  usage (an unknown option, a bad value, options that do not go together) or
     cancelled (Ctrl+C; the rows finished are kept and the same command resumes)"""


def job_status(result, kept: str = "the rows finished are kept (the same command resumes)") -> int:
    """The exit status of a model job (a ``run_progress.JobResult``), saying on stderr why when
    it is not done: cancelled (2; ``kept`` says where its finished rows are), stopped
    because rows kept failing the same way (1: the circuit breaker), every row failed (1)."""
    import sys

    if getattr(result, "stopped", ""):  # the circuit breaker: the server fails every row
        # "The same command resumes" holds for trials (--limit) too, which runs resume refuses.
        print(
            f"llmstudio: {result.stopped}; {kept}; once the server answers, the failed "
            "rows are asked again",
            file=sys.stderr,
        )
        return ERROR
    if result.status != "done":
        print(f"llmstudio: cancelled; {kept}", file=sys.stderr)
        return USAGE_OR_CANCELLED
    if result.computed and result.failed >= result.computed:
        print(
            f"llmstudio: every row failed; the first error: {result.errors[0][1]}", file=sys.stderr
        )
        return ERROR
    return DONE
