"""Units: a corpus split into paragraphs, sentences or windows of words (Analyse > Split
into Units…)."""
