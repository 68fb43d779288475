"""Reading the register's typed answers, without Rasa: interests, consent, and "change the country to ...".

- :func:`read_interests`: "回乡考察和投资", "starting a business and investing", "都感兴趣", "all of them"
  (options picked by number are the form's: ``actions.choices.pick``);
- :func:`read_consent`: "同意", "我不同意", "I agree", "no, thanks" - negations first;
- :func:`read_correction`: at the review, which field a reply names ("国家改成加拿大", "change my
  industry") and what is left of it once the field's and the change's words are taken out ("加拿大").

Every pattern is a plain alternation of fixed words (linear time) and sees at most :data:`MAX_CHARS`.
"""

from __future__ import annotations

import re

from lexicon.normalize import normalize
from registry.fields import INTERESTS

MAX_CHARS = 300

#: Words that name each interest, in both languages (normalised: simplified, lower case).
INTEREST_WORDS: dict[str, tuple[str, ...]] = {
    "return_visit": ("考察", "交流访问", "回乡访问", "回乡看看", "回乡探访", "回国看看", "寻根", "return visit", "home visit",
                     "study tour", "visit", "visiting", "exchange"),
    "business": ("创业", "创新", "开公司", "办企业", "办厂", "start a business", "starting a business", "startup", "start-up",
                 "entrepreneur", "set up a company", "business"),
    "investing": ("投资", "融资", "入股", "invest", "investing", "investment", "financing"),
    "family_contact": ("亲属", "亲戚", "家人", "家属", "亲人", "族人", "family", "relatives", "relative", "kin"),
    "permit_residence": ("工作许可", "居留", "签证", "绿卡", "permit", "residence", "visa"),
}
ALL_WORDS = ("都感兴趣", "全部", "都要", "都想", "都有兴趣", "都可以", "所有", "都", "all of them", "all", "everything", "every one",
             "each of them", "both")
_ALL = re.compile(r"^(?:我)?(?:" + "|".join(map(re.escape, sorted(ALL_WORDS, key=len, reverse=True))) + r")(?:的|吧|了)?$")

_NO = ("不同意", "不愿意", "不接受", "拒绝", "不行", "不要", "不想", "disagree", "don't agree", "do not agree", "no", "not agree",
       "refuse", "decline")
_YES = ("同意", "愿意", "接受", "可以", "没问题", "好的", "agree", "accept", "consent", "yes", "sure", "ok", "okay", "fine")

#: At the review: the words that name each field.
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "reg_city": ("祖籍地", "祖籍", "老家", "籍贯", "家乡", "县区", "县", "区", "ancestral place", "ancestral home", "hometown",
                 "home town", "ancestral", "place", "county", "district", "city"),
    "reg_country": ("所在国", "居住国", "国家", "住在", "country", "live in"),
    "reg_industry": ("行业", "industry", "sector"),
    "reg_situation": ("发展状况", "状况", "情况", "规模", "situation", "company size"),
    "reg_interests": ("感兴趣的事项", "感兴趣", "兴趣", "事项", "interests", "interested", "interest"),
    "reg_contact": ("联系方式", "联系", "电话", "手机", "邮箱", "邮件", "微信", "contact", "phone", "e-mail", "email", "wechat"),
}
#: "改成", "change ... to", "should be": the change itself, taken out to leave the new value.
_CHANGE = ("修改为", "修改成", "改成", "改为", "换成", "应该是", "更正为", "修改", "更改", "改", "换", "错了", "不对", "应为", "是",
           "should be", "change", "correct", "update", "edit", "fix", "to", "is", "my", "the", "actually", "wrong")


def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("|".join(rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w.isascii() else re.escape(w) for w in ordered),
                      re.I)


_INTEREST_RE = {k: _words(v) for k, v in INTEREST_WORDS.items()}
_NO_RE, _YES_RE = _words(_NO), _words(_YES)
_FIELD_RE = {k: _words(v) for k, v in FIELD_WORDS.items()}
_CHANGE_RE = _words(_CHANGE)
_EDGES = " \t,，。.!！?？:：;；、"


def read_interests(text: str) -> list[str]:
    """The interests ``text`` names, in the list's order; every one for "都感兴趣"/"all of them"."""
    folded = normalize(text or "")[:MAX_CHARS].strip(_EDGES)
    if _ALL.match(folded):
        return list(INTERESTS)
    return [k for k in INTERESTS if _INTEREST_RE[k].search(folded)]


def read_consent(text: str) -> bool | None:
    """True for a yes to the consent question, False for a no, None when it is neither."""
    folded = normalize(text or "")[:MAX_CHARS]
    if _NO_RE.search(folded):
        return False
    return True if _YES_RE.search(folded) else None


def read_correction(text: str) -> tuple[str | None, str]:
    """The field a review reply names (or None), and the reply without the field's and the change's words."""
    folded = normalize(text or "")[:MAX_CHARS]
    spans = [(m.start(), m.end(), f) for f, pattern in _FIELD_RE.items() for m in pattern.finditer(folded)]
    if not spans:
        return None, text.strip(_EDGES)
    start, end, field = min(spans, key=lambda s: (s[0], -(s[1] - s[0])))  # the first mention, the longest there
    # the new value as typed ("约30人，" keeps its script and punctuation) where folding kept the positions
    source = text[:MAX_CHARS] if len(text[:MAX_CHARS]) == len(folded) else folded
    rest = _CHANGE_RE.sub(" ", source[:start] + " " + source[end:])
    return field, " ".join(rest.split()).strip(_EDGES)
