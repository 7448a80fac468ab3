"""Getting models: the models of LLM servers on this computer (found in the background),
pulling an Ollama model (``ollama_pull_dialog``); the catalogue of recommended models with
Download and Remove of hub models (``catalogue_dialog``)."""
