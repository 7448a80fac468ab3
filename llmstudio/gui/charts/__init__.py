"""Charts of results: the kinds, where their numbers come from, the panel and PNG/SVG export."""
