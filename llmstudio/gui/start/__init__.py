"""The welcome page shown before a file is open."""
