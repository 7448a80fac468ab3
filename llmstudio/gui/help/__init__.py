"""The Help menu: Getting started, the methods guide, keyboard shortcuts, About, the log
folder."""
