"""The corpus table: its Qt model, the view, the detail pane and the coders' columns."""
