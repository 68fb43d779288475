"""Rasa 3.6 graph components: whitespace-safe jieba tokenizer, language detector, KB entities, and
the intents of the training examples themselves.

Referenced from ``config.yml`` as ``bot.nlu.components.<Class>``. They wrap plain-Python code
(:mod:`extraction`, :mod:`policy_kb.lang`) for Rasa's graph and decide nothing themselves. Importing
them changes nothing else in Rasa: the server's patches are applied where it starts
(:mod:`bot.rasa_server`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from extraction.entities import extractor
from lexicon.normalize import fold, to_simplified
from policy_kb.lang import detect


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class WhitespaceSafeJiebaTokenizer(JiebaTokenizer):
    """Rasa's JiebaTokenizer without the whitespace tokens it emits on mixed text.

    ``省级重点引才项目 funding per person?`` gives ``' '`` tokens between the English words (rasa
    issue 7910, never fixed); they misalign entities and add noise features. The KB's own terms are
    added to jieba's (process-global) dictionary so 永久居留 or 煤层气 stay whole.
    """

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None  # Chinese, English and both in one message

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> WhitespaceSafeJiebaTokenizer:
        _load_kb_words()
        return super().create(config, model_storage, resource, execution_context)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> WhitespaceSafeJiebaTokenizer:
        _load_kb_words()
        return super().load(config, model_storage, resource, execution_context, **kwargs)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Jieba's tokens of the text in simplified characters, at their places in the text as typed.

        The training data is simplified; a question in traditional characters shared few n-grams with
        it, so "綠卡有什麼用" was read as ``help`` where "绿卡有什么用" is ``ask_policy``. Jieba splits
        the simplified text (its dictionary is simplified: 綠卡 is two characters to it, 绿卡 one word),
        and the features, built from the tokens, see one script. OpenCC's ``t2s`` keeps the length of
        nearly every text, so the offsets hold; where it does not, each token is converted instead.
        """
        typed = message.get(attribute) or ""
        simplified = to_simplified(typed)
        if simplified == typed:  # nearly every message: nothing to convert
            tokens = super().tokenize(message, attribute)
        elif len(simplified) == len(typed):
            tokens = super().tokenize(Message(data={attribute: simplified}), attribute)
        else:
            tokens = [Token(to_simplified(t.text), t.start, t.end, t.data, to_simplified(t.lemma))
                      for t in super().tokenize(message, attribute)]
        return [t for t in tokens if t.text.strip()]


def _load_kb_words() -> None:
    import jieba

    from policy_kb.search import default_searcher

    for word in sorted(default_searcher().analyzer.user_words):
        jieba.add_word(word)


class _StatelessComponent(GraphComponent):
    """A deterministic component: nothing to train or persist, training data passes through."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> _StatelessComponent:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(_StatelessComponent, EntityExtractorMixin):
    """Adds a ``language`` entity (``zh``/``en``) to every message that has words in it.

    The ``language`` slot is filled from it, so replies follow the language the user writes in;
    emoji-only or digit-only messages carry none and the conversation keeps its language.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            lang = None if text.startswith("/") else detect(text)  # button payloads have no language
            if lang:
                entity = {"entity": "language", "value": lang, "start": 0, "end": len(text)}
                message.set(ENTITIES, [*message.get(ENTITIES, []), self.add_extractor_name([entity])[0]],
                            add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class KBEntityExtractor(_StatelessComponent, EntityExtractorMixin):
    """Profile and policy entities from the KB's terms (see :mod:`extraction.entities`)."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue  # "/intent{...}" payloads from buttons carry their own entities
            found = self.add_extractor_name([e.as_rasa() for e in extractor().extract(text)])
            message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ReferenceCodeIntent(_StatelessComponent):
    """A message that is just an appointment reference code ("K5RZ-TM39") is an answer (``inform``).

    Random letters and digits carry no meaning for the intent classifier, which then guesses (it
    took one code for ``goodbye`` and ended a reschedule); the code's format is certain.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        from appointments.contacts import normalise_code

        for message in messages:
            text = message.get(TEXT) or ""
            if not text.startswith("/") and normalise_code(text.strip()):
                intent = {"name": "inform", "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages


#: What two spellings of one example may differ by: spaces and punctuation ("预约！" is "预约").
_NOT_WORDS = re.compile(r"[\W_]+")


def example_key(text: str) -> str:
    """The form an example and a message are compared in: folded, without spaces or punctuation."""
    return _NOT_WORDS.sub("", fold(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TrainingExampleIntent(GraphComponent):
    """A message that is one of the training examples gets that example's intent.

    The logistic regression is regularised, so it does not always give back the intent of a short
    example it was trained on: "预约" (book_appointment) came out as my_appointments, and "book"
    nearly as affirm. What a training example means is known; this component says so, the NLU's
    counterpart of memoising stories. Examples written under two intents are left to the classifier.
    It runs before the FallbackClassifier and the reference-code intent, which still decide after it.
    """

    FILE = "examples.json"

    def __init__(self, model_storage: ModelStorage, resource: Resource, intents: dict[str, str]) -> None:
        self._storage, self._resource, self._intents = model_storage, resource, intents

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TrainingExampleIntent:
        return cls(model_storage, resource, {})

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TrainingExampleIntent:
        with model_storage.read_from(resource) as directory:
            intents = json.loads((directory / cls.FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, intents)

    def train(self, training_data: TrainingData) -> Resource:
        seen: dict[str, set[str]] = {}
        for example in training_data.intent_examples:
            key = example_key(example.get(TEXT) or "")
            if key:
                seen.setdefault(key, set()).add(example.get(INTENT))
        self._intents = {key: next(iter(intents)) for key, intents in sorted(seen.items()) if len(intents) == 1}
        with self._storage.write_to(self._resource) as directory:
            (directory / self.FILE).write_text(json.dumps(self._intents, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            known = None if text.startswith("/") else self._intents.get(example_key(text))
            if known:
                intent = {"name": known, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != known]
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        return messages
