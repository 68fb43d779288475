"""What a short typed reply means at a form's question, without Rasa: picks from the offered options
and the short answers people type instead of tapping a button.

Buttons are only numbered text on WeChat and easy to ignore on the web, so people type "2", "１",
"第二个", "选第三", "the last one", "the 10:00 one", "9点那个" or "the earlier one" for an option, and
"yse", "嗯嗯", "都行", "go back" or "算了" for an answer. The NLU is weakest on exactly these short
replies (affirm, deny, skip and goodbye are its most confused intents), so the form asks this
module what the reply means at *its* question instead of trusting the intent.

Everything here works on folded text (NFKC, so full-width "ｙｅｓ" and "１" are "yes" and "1";
case-folded; spaces and trailing punctuation dropped) and every pattern runs in linear time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from lexicon.normalize import fold as lexicon_fold
from lexicon.numerals import CN_NUMERAL, cn_int

Option = dict[str, Any]  # a button: {"title": ..., "payload": "/intent{json}"}

# --------------------------------------------------------------------------- folding

_EDGE_PUNCT = " \t\n.,!?;:~。，！？；：、…·\"'“”‘’()（）[]【】-—_*#"
_PARTICLES = re.compile(r"(?:吧|啊|呀|啦|哦|喔|噢|呢|嘛|哈|了)+$")
_FILLER_EN = re.compile(r"^(?:(?:um+|uh+|er+m*|well|so|and|please|pls|plz)[ ,]+)+|(?:[ ,]+(?:please|pls|plz|thanks|thank you|then|i guess|i think))+$")


def fold(text: str) -> str:
    """The lexicon's one normal form (NFKC, simplified, lower case), trimmed of edge punctuation too:
    "  ＹＥＳ！" -> "yes", "確認。" -> "确认", so replies typed in traditional characters match."""
    return lexicon_fold(text).strip(_EDGE_PUNCT)


#: Short replies and picks are short: longer text is never one, and the patterns below only ever see
#: this many characters (so even their backtracking stays bounded).
MAX_SHORT = 60


def _core(text: str) -> str:
    """The reply without politeness and particles: "好的吧" -> "好的", "yes please" -> "yes"; "" when
    the text is too long to be a short reply or a pick."""
    t = fold(text)
    if len(t) > MAX_SHORT:
        return ""
    t = _FILLER_EN.sub("", t).strip(_EDGE_PUNCT)
    t = _PARTICLES.sub("", t).strip(_EDGE_PUNCT) or t
    return re.sub(r"\s+", " ", t)


# --------------------------------------------------------------------------- short replies

#: Short replies by what they mean; the form's question decides what each meaning does there
#: ("取消" at "really cancel?" is a yes, at any other question it stops the form).
SHORT_REPLIES: dict[str, frozenset[str]] = {
    "affirm": frozenset({
        "是", "是的", "是滴", "对", "对的", "对啊", "没错", "对没错", "好", "好的", "好滴", "好哒", "好嘞", "好好", "好的好的",
        "行", "行吧", "可以", "可以的", "嗯", "嗯嗯", "恩", "恩恩", "没问题", "同意", "我同意", "确认", "确定", "确认预约", "要",
        "当然", "ok", "okay", "okey", "okie", "ok的", "k", "kk", "yes", "yeah", "yea", "yep", "yup", "ya", "yah", "ye",
        "yes yes", "sure", "sure sure", "of course", "ofc", "correct", "right", "agree", "i agree", "agreed", "confirm",
        "i confirm", "confirmed", "go ahead", "fine", "alright", "all right", "absolutely", "definitely", "y",
    }),
    "deny": frozenset({
        "不", "不是", "不对", "不要", "不用", "不用了", "不行", "不同意", "否", "没有", "别", "不了", "不需要", "不必",
        "no", "nope", "nah", "nop", "n", "no no", "not really", "no thanks", "no thank you", "disagree", "i disagree",
        "don't agree", "i don't agree", "not agreed", "negative", "wrong", "incorrect", "keep it", "no keep it",
    }),
    "skip": frozenset({
        "跳过", "略过", "下一个", "下一题", "不知道", "不清楚", "不确定", "说不准", "保密", "不想说", "不方便说", "pass",
        "skip", "skip it", "next", "dunno", "don't know", "i don't know", "idk", "not sure", "i'm not sure",
        "rather not say", "i'd rather not say", "prefer not to say", "no idea",
    }),
    "cancel": frozenset({"取消", "取消吧", "取消预约", "cancel", "cancel it", "cancel that"}),
    # keeping what is there: a "no" at "really cancel?", nothing elsewhere (where "不取消" is no answer)
    "keep": frozenset({
        "留着", "先留着", "保留", "保留预约", "先保留", "不取消", "不取消了", "先不取消", "别取消", "还是留着", "keep",
        "keep the appointment", "keep my appointment", "i'll keep it", "don't cancel", "don't cancel it",
        "do not cancel", "do not cancel it", "leave it as it is",
    }),
    "stop": frozenset({
        "算了", "算了吧", "不办了", "不约了", "不预约了", "不做了", "不查了", "不弄了", "停", "停止", "退出", "结束", "不想继续",
        "不想继续了", "stop", "quit", "exit", "forget it", "never mind", "nevermind", "leave it", "stop it",
    }),
    "back": frozenset({
        "返回", "上一步", "返回上一步", "回到上一步", "退回", "上一个问题", "回上一题", "back", "go back", "previous",
        "previous question", "undo", "back please", "step back",
    }),
    "any": frozenset({
        "都行", "都可以", "随便", "随便吧", "无所谓", "哪个都行", "哪天都行", "什么时候都行", "什么时间都行", "什么时间都可以",
        "任意", "最早的", "越早越好", "尽快", "any", "anything", "any time", "anytime", "whenever", "either", "whatever",
        "doesn't matter", "no preference", "any one", "anyone is fine", "anything is fine", "either is fine",
        "any time is fine", "any time works", "anytime is fine",
        "any day", "any day works", "earliest", "the earliest", "as soon as possible", "asap", "soonest",
        "whichever", "whichever is first", "whichever is earliest", "any of them", "first available",
        "the first available", "哪个都可以", "最早那个",
    }),
}
_WORD_TO_KIND = {w: kind for kind, words in SHORT_REPLIES.items() for w in words}
#: Stretched and mistyped yes/no: "yesss", "yse", "noooo", "okkk", "yeees".
_STRETCHED = ((re.compile(r"^(?:y+e+s+|y+s+e+|y+e+a+h*|y+u+p+|o+k+|s+u+r+e+|y+a+s+)$"), "affirm"),
              (re.compile(r"^(?:n+o+|n+a+h+|n+o+p+e*)$"), "deny"))


#: Where a reply of several short replies breaks ("算了，先留着", "ok, cancel it").
_CLAUSES = re.compile(r"[,，;；、]")


def short_reply(text: str) -> str | None:
    """What a short reply means: ``affirm``, ``deny``, ``skip``, ``cancel``, ``keep``, ``stop``,
    ``back`` or ``any`` ("都行", "any time"); None when the text is more than a short reply.

    A reply made of short replies only means what its last one means: people correct themselves as
    they type ("算了，先留着" is a keep, "嗯，不对" a no, "ok, cancel it" a cancel)."""
    if "?" in unicodedata.normalize("NFKC", text or ""):  # "嗯？" is a "huh?", not a yes
        return None
    kind = _one_short_reply(text)
    if kind is not None or len(text) > MAX_SHORT:
        return kind
    clauses = [c for c in _CLAUSES.split(text) if c.strip()]
    kinds = [_one_short_reply(c) for c in clauses]
    return kinds[-1] if len(clauses) > 1 and None not in kinds else None


def _one_short_reply(text: str) -> str | None:
    core = _core(text)
    if not core:
        return None
    for candidate in dict.fromkeys((fold(text), core, core.replace(" ", ""))):
        kind = _WORD_TO_KIND.get(candidate)
        if kind:
            return kind
    for pattern, meaning in _STRETCHED:
        if pattern.match(core.replace(" ", "")):
            return meaning
    return None


#: Chinese that asks, in folded text (simplified characters): particles, A-not-A forms ("能不能", "是不是"),
#: colloquial 咋, and Cantonese ("可唔可以", "係唔係", "有冇", "點樣"), which Hong Kong talent write.
ZH_ASKS = r"吗|么|呢|能不能|可不可以|有没有|是否|是不是|要不要|会不会|行不行|咋|可唔可以|系唔系|有冇|咩|点样|点解|边度"
#: A question mark, a Chinese question word, or an English sentence opening like one ("what is ...",
#: "can I ..."); "whatever it is called" answers.
_QUESTION = re.compile(r"[?？]|" + ZH_ASKS + r"|怎么|如何|哪些|什么|多少|(?:^|[,;.!]\s*)(?:can|could|do|does|"
                       r"did|is|are|was|will|would|should|may|what|which|how|who|where|when|why)\b")


def is_question(text: str) -> bool:
    """Whether the text asks something ("绿卡有什么用？", "what is the green card") rather than answers."""
    return bool(_QUESTION.search(fold(text) + ("?" if (text or "").rstrip().endswith(("?", "？")) else "")))


# --------------------------------------------------------------------------- picking an offered option

_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
                "ninth": 9, "tenth": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_POSITION = (
    # "1", "#2", "no. 3", "number 2", "option 3", "choice 1", "选1", "选第三个", "第二个", "第2项", "要第一个"
    re.compile(r"^(?:(?:选|要|就|我选|我要|选择)\s*)*(?:第\s*)?(?P<n>\d{1,2}|" + CN_NUMERAL + r")\s*"
               r"(?:个|项|种|位|条|行|号?选项)?(?:吧|的|那个|那项)?$"),
    re.compile(r"^(?:(?:i'?ll take|i want|give me|take|choose|pick|i choose|i pick|select)\s+)?(?:the\s+)?"
               r"(?:(?:number|no\.?|option|choice|#)\s*)(?P<n>\d{1,2})(?:\s+(?:one|please))?$"),
    re.compile(r"^(?:(?:i'?ll take|i want|give me|take|choose|pick|i choose|i pick|select)\s+)?(?:the\s+)?"
               r"(?P<w>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))"
               r"(?:\s+(?:one|option|choice|slot|time|window|service))?$"),
)
_LAST = re.compile(r"^(?:(?:选|要|就)\s*)?(?:最后一个|最后那个|最后一项|最后的|最后)(?:吧|的)?$|^(?:the\s+)?(?:last|final)"
                   r"(?:\s+(?:one|option|choice|slot|time))?$")
_TOP = re.compile(r"^(?:the\s+)?(?:top|first)(?:\s+(?:one|option|choice))?$|^(?:最上面|第一|头一)(?:个|那个)?$")
_EARLIER = re.compile(r"^(?:the\s+)?(?:earlier|earliest|sooner|soonest|first available)(?:\s+(?:one|slot|time))?$|"
                      r"^(?:早一点|早点|早些|更早|最早)的?(?:那个|那个时间)?$")
_LATER = re.compile(r"^(?:the\s+)?(?:later|latest)(?:\s+(?:one|slot|time))?$|^(?:晚一点|晚点|晚些|更晚|最晚)的?(?:那个|那个时间)?$")
_THE_ONE = re.compile(r"^(?:the\s+)?(?P<x>.+?)\s+one$|^(?:选|要|就)?(?P<y>.+?)(?:的那个|那个|的那项|那项|的)$")

_CLOCK = (
    re.compile(r"(?<!\d)(?P<h>\d{1,2})[:.](?P<m>\d{2})(?!\d)\s*(?P<ap>am|pm|a\.m\.|p\.m\.)?"),
    re.compile(r"(?<!\d)(?P<h>\d{1,2})\s*(?P<ap>am|pm|a\.m\.|p\.m\.|o'?clock)"),
    re.compile(r"(?P<part>上午|下午|中午|晚上|早上)?\s*(?P<h>\d{1,2}|" + CN_NUMERAL + r")\s*[点點时](?P<half>半|一刻|三刻)?"
               r"(?:(?P<m>\d{1,2}|" + CN_NUMERAL + r")分?)?"),
)


def option_start(option: Option) -> dt.datetime | None:
    """The slot start a time button carries (``/inform{"booking_start": ISO}``), or None."""
    value = payload_entities(option.get("payload") or "").get("booking_start")
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def payload_entities(payload: str) -> dict[str, Any]:
    """The entities of a button payload ``/intent{"k": "v"}``; {} when it has none or is not one."""
    _, brace, rest = payload.partition("{")
    if not payload.startswith("/") or not brace:
        return {}
    try:
        found = json.loads("{" + rest)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def payload_intent(payload: str) -> str:
    return payload[1:].partition("{")[0] if payload.startswith("/") else ""


def clock_time(text: str) -> dt.time | None:
    """A clock time said in the text: "10:00", "2pm", "9点半", "下午两点"; None if there is none."""
    t = fold(text)[:MAX_SHORT]
    for pattern in _CLOCK:
        m = pattern.search(t)
        if not m:
            continue
        groups = m.groupdict()
        hour = cn_int(groups["h"])
        minute = 0
        if groups.get("m"):
            minute = cn_int(groups["m"]) or 0
        if groups.get("half"):
            minute = {"半": 30, "一刻": 15, "三刻": 45}[groups["half"]]
        ap = (groups.get("ap") or "").replace(".", "")
        if hour is None or minute > 59:
            return None
        if (ap == "pm" or groups.get("part") in ("下午", "晚上")) and hour < 12:
            hour += 12
        if groups.get("part") == "中午" and hour < 3:
            hour += 12
        if ap == "am" and hour == 12:
            hour = 0
        if hour > 23:
            return None
        if not ap and not groups.get("part") and 1 <= hour <= 6:
            hour += 12  # "the 2:30 one", "3点那个": offices are closed at night
        return dt.time(hour, minute)
    return None


_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_EN_NUMBER = re.compile(r"\b(?:(?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?P<unit>one|two|three"
                        r"|four|five|six|seven|eight|nine))?|(?P<small>" + "|".join(_UNITS) + r"))\b")


def english_number(text: str) -> int | None:
    """A number written in English words ("twelve years", "thirty-five"); None if there is none."""
    m = _EN_NUMBER.search(fold(text)[:MAX_SHORT])
    if not m:
        return None
    if m.group("small"):
        return _UNITS.index(m.group("small"))
    return _TENS[m.group("tens")] + (_UNITS.index(m.group("unit")) if m.group("unit") else 0)


def _position(core: str) -> int | None:
    for pattern in _POSITION:
        m = pattern.match(core)
        if not m:
            continue
        groups = m.groupdict()
        if groups.get("n"):
            return cn_int(groups["n"])
        word = groups["w"]
        return _EN_ORDINALS.get(word) or int(re.sub(r"\D", "", word))
    return None


def pick(text: str, options: Sequence[Option]) -> int | None:
    """The index of the option ``text`` picks from ``options`` (the buttons just offered), or None.

    By position ("2", "１", "第二个", "选第三", "the second", "the last one"), by time ("the 10:00
    one", "9点那个", "the earlier one") or by its title ("the Datong one", "太原市那个").
    """
    if not options:
        return None
    core = _core(text)
    if not core:
        return None
    n = _position(core)
    if n is not None:
        return n - 1 if 1 <= n <= len(options) else None
    if _LAST.match(core):
        return len(options) - 1
    if _TOP.match(core):
        return 0
    starts = [option_start(o) for o in options]
    timed = [(s, i) for i, s in enumerate(starts) if s is not None]
    if timed and (_EARLIER.match(core) or _LATER.match(core)):
        return (min if _EARLIER.match(core) else max)(timed)[1]
    the_one = _THE_ONE.match(core)
    if timed and (the_one or any(p.fullmatch(core) for p in _CLOCK)):  # "今天上午9点" is a date, not a pick
        wanted = clock_time(the_one.group("x") or the_one.group("y") if the_one else core)
        hits = [i for s, i in timed if wanted is not None and s.time().replace(tzinfo=None) == wanted]
        if len(hits) == 1:
            return hits[0]
    words = (the_one.group("x") or the_one.group("y")) if the_one else core
    return _by_title(words.strip(), options)


def _by_title(words: str, options: Sequence[Option]) -> int | None:
    """The one option whose title is the text, contains it, or is contained in it (2+ characters)."""
    if len(words) < 2:
        return None
    titles = [fold(o.get("title") or "") for o in options]
    exact = [i for i, t in enumerate(titles) if t == words]
    if len(exact) == 1:
        return exact[0]
    hits = [i for i, t in enumerate(titles) if t and (_within(words, t) or (len(t) >= 2 and _within(t, words)))]
    return hits[0] if len(hits) == 1 else None


def _within(part: str, whole: str) -> bool:
    """``part`` inside ``whole``; Latin words only as whole words ("ok" is not in "don't book")."""
    if not part.isascii():
        return part in whole
    return re.search(rf"(?<![a-z0-9]){re.escape(part)}(?![a-z0-9])", whole) is not None
