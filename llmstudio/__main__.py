import sys

try:
    from .launch import main

    code = main()
except KeyboardInterrupt:
    # Ctrl+C as the modules load or main begins, before the command's own handler exists
    # (launch.main has one for the rest of its imports): a cancel, not a crash.
    print("llmstudio: cancelled", file=sys.stderr)
    code = 2  # cli.exit_codes.USAGE_OR_CANCELLED; not imported, the import may be cut
sys.exit(code)
