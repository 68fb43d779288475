"""Text building blocks that every layer shares: one normal form, one term matcher, one numeral reader.

``normalize`` (NFKC, traditional to simplified, lower case) is the form every comparison of user text
with known words works on; :class:`~lexicon.match.TermMatcher` finds known terms in it (longest first,
no overlaps, ASCII terms as whole words); :mod:`lexicon.numerals` reads ``6``, ``六``, ``三十八``;
:mod:`lexicon.user_text` bounds and cleans what users type before anything else reads it.
The search, the NLU's entity extractor, the eligibility profile, the appointments catalogue, the date
parser, the channels and the actions all use these, so a word is matched the same way wherever it is typed.

May import: the standard library and OpenCC only; nothing of the project's (it sits below ``policy_kb``,
``appointments``, ``i18n`` and everything else).
"""
