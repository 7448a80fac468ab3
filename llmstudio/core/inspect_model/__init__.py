"""Looking inside a local transformer, for teaching and for checking a model: its
self-attention over one text (:mod:`.attention`, drawn by :mod:`.attention_svg`) and
its masked-word predictions (:mod:`.masked`, which the fill-mask probe in
``core/bias/fill_mask.py`` runs over templates). Models load through :mod:`.local`:
the builtin MiniLM or any ``hf:`` folder or hub id, on this computer only."""
