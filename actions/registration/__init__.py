"""The 外籍晋商晋才 register in conversation (articles 8 and 9): sign up, see, delete.

``registration_form``: consent (naming article 8's database, article 9's contact system and the
retention period of the one rule) -> ancestral city (and county, asked when only the city was given)
-> country of residence -> industry -> current situation -> interests -> how staff may contact them
-> a review, where any field can be corrected ("国家改成加拿大", "change the industry", a button) before
the record is saved. Refusing consent stops the form with nothing stored. Every question takes typed
answers, ordinals and "skip" through the one form base (:class:`actions.form_base.TypedForm`); the
reading of places, countries, interests and corrections is the Rasa-free :mod:`registry` library's.

After saving, ``action_registration_result`` cites what article 9 offers for the chosen interests in the
KB's own words (``policy_kb/data/facts.yml``: a "may", by reference to article 6's standard, never an
amount) and says how staff will get in touch. ``action_my_registration`` shows the conversation's own
record (contact masked); ``registration_delete_form`` asks once, then deletes it.

Answers keep the conversation's language: "Canada" or an e-mail address typed in a Chinese
conversation is an answer, not a switch to English. Every slot is cleared once a form ends, so
personal answers do not linger in the conversation's slots.
"""
