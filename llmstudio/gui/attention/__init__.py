"""The attention view: one text's self-attention in a local transformer, as a heatmap."""
