"""Why this label: a row's answer in one run, its words coloured by how much each moved
the model's score (``explain_window``), opened from the detail pane and the coding panel
(``open_explain``)."""
