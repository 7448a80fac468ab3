"""Why a model gave a row its label: word-level attributions of one run's answer.

``words`` splits a text into the words that are weighed; ``answer`` rebuilds what a run
asked (its task, model and the answer to explain) and reads the answer's score from an
output; ``occlusion`` (any backend: leave words out and ask again) and ``gradients``
(integrated gradients through Captum, local classifiers) weigh the words;
``attribution`` holds the result; ``export`` writes it as HTML or a table; ``explain``
ties them together for the window and the CLI.
"""
