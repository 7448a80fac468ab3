"""Checking results: review of runs, check runs, validation against hand codes, stability
and the Learn panel."""
