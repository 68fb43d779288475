"""Rasa plugins for the NLU, and the training data generated from the KB.

:mod:`bot.nlu.components` holds the graph components ``config.yml`` names (whitespace-safe jieba
tokenizer, language detector, KB entity extractor, reference-code intent): thin wrappers around
plain-Python code in :mod:`extraction`, :mod:`policy_kb` and :mod:`appointments`.
:mod:`bot.nlu.training_data` writes ``data/nlu/generated/`` from the KB's question variants before
every training.

May import: ``rasa``, ``extraction``, ``lexicon``, ``policy_kb``, ``appointments``; nothing else of
``bot`` (the CLI and the runner import this package, not the other way round) and never ``actions``.
"""
