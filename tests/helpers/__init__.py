"""Helpers shared by test files (imported as ``helpers.<module>``: ``tests/`` is on the
path through its conftest). Test files import from here, never from one another."""
