"""Getting models: the models of LLM servers on this computer (found in the background),
pulling an Ollama model; the model catalogue and downloads."""
