"""Bias checks: counterfactual swaps, probe sets and occupations, with their charts."""
