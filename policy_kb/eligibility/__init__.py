"""Eligibility pre-check for 晋发〔2017〕47号: profile in, explained result out.

The policy's rules live in ``policy_kb/data/eligibility.yml`` and the national work-permit points
table in ``policy_kb/data/work_permit_points.yml``; this package only validates profiles, interprets
those rules and renders the result. It is a pre-check, never a decision: the wording in the data
says so in both languages.
"""

from policy_kb.eligibility.engine import evaluate
from policy_kb.eligibility.profile import Profile, ProfileError, parse_profile
from policy_kb.eligibility.report import render

__all__ = ["Profile", "ProfileError", "evaluate", "parse_profile", "render"]
