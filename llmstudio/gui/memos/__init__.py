"""Memos in the window: the memo browser (Analyse > Memos…), the editor that saves as
the researcher types, and the small dialogs for a passage's and a code's memo."""
