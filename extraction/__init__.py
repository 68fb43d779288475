"""The deterministic entity extractor: what a message says about degrees, fields, benefits, cities, ages.

Plain Python, no Rasa: :mod:`extraction.entities` reads the KB's terms (``policy_kb``), the catalogue's
cities (``appointments``) and the age/years patterns, so the NLU component that puts the entities on
every message (``bot.nlu.components.KBEntityExtractor``) and the actions that read a typed answer both
call the same code, and its tests run without a model.

May import: ``lexicon``, ``policy_kb``, ``appointments`` and third-party libraries that are not Rasa
(no ``rasa``, ``rasa_sdk``, ``bot``, ``actions``).
"""
