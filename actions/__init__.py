"""The rasa-sdk action server: thin actions that read the tracker, ask policy_kb, and format.

One module per concern: language, policy answers, eligibility, handoff. ``rasa run actions``
registers every Action subclass found in this package.
"""
