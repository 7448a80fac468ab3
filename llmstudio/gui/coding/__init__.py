"""Coding by hand: the coding dock and panel, its keys and sample, blind mode and the
codebook editor."""
