"""The exit statuses of every ``llmstudio`` command: one table, the same meaning everywhere.

=====  =================================================================================
code   meaning
=====  =================================================================================
0      done
1      error: the input, the project, the model or the server (the message says which)
2      usage (a bad option or argument) or cancelled (Ctrl+C, a refused confirmation)
=====  =================================================================================
"""

DONE = 0
ERROR = 1
USAGE_OR_CANCELLED = 2
