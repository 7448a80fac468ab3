import sys

try:
    from .cli import process_main
except KeyboardInterrupt:
    # Ctrl+C while the (slow) imports run, before main's own handler exists: a cancel,
    # not a crash, so no traceback.
    print("llmstudio: cancelled", file=sys.stderr)
    sys.exit(2)  # cli.exit_codes.USAGE_OR_CANCELLED; not imported, the import may be what was cut

sys.exit(process_main())
