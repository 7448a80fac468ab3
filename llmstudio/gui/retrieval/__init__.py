"""Coded passages: retrieval of a code's passages with context, and the code x column crosstab."""
