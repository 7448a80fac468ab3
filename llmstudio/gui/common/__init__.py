"""What the features of the window share: background work, the progress row, error
messages, column widths, the search bar, chart export (PNG/SVG) and the consent to send
rows to an API."""
