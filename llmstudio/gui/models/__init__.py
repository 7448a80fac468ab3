"""Getting models: the catalogue of recommended models with Download and Remove
(``catalogue_dialog``), opened from Model settings and the run dialog."""
