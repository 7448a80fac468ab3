"""Bias checks (Qt-free): counterfactual swaps on the researcher's own corpus, template
probes (EEC-style) and completion probes for generative models."""
