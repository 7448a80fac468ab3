"""Charts of results: the kinds, where their numbers come from and the panel."""
