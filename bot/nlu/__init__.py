"""Custom NLU for Rasa: whitespace-safe jieba tokens, language detection, KB-driven entities."""
