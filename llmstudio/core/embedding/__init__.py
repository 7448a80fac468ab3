"""Everything done with a sentence-embedding model (the bundled MiniLM or any
sentence-transformers folder), whichever backend loaded it.

* ``minilm``: where the bundled MiniLM lies.
* ``sentences``: a loaded model's embeddings and token counts.
* ``similarity``: zero-shot labels by similarity to label descriptions, row by row.
* ``classifier``: the zero- and few-shot embedding classifier over a whole corpus
  (label prompts, when to tune and self-train); ``training``: how it learns (contrastive
  fine-tuning, self-training, the logistic-regression heads).
* ``corpus``: that classifier run on a job's texts for a task (what the builtin and the
  ``hf`` embedding backends call in ``prepare``).
* ``learning``: learning from the researcher's own codes on the embeddings (suggest the
  next row, the learning curve).

The backends stay thin: they load the model and hand it to these.
"""
