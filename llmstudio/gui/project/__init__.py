"""The File menu: opening, importing, saving and exporting projects and tables."""
