"""The conversations of the load bench, as plain data (standard library only).

Both the orchestrator (``bench/load.py``, the project's venv) and the Locust file (``bench/locustfile.py``,
the bench's own venv, which has no project code) read this module, so the two cannot disagree on what a
scenario is. A scenario is one conversation: a list of turns, each a message and what a right reply
contains. The turn :data:`PICK_SLOT` clicks the first time slot the previous reply offers as a button,
as a user does when the typed time is taken (and is skipped when the typed time was booked at once).

The assistant's scenarios are the three things users come for, in both languages: policy questions
(each reply must cite an article), the eligibility pre-check, and an anonymous booking. The vanilla
``rasa init`` bot gets its own demo conversation (greet, mood, bot challenge, goodbye): static replies,
the cheapest turn Rasa can serve.
"""

from __future__ import annotations

#: a reply of the assistant that answers a policy question cites its article
CITED = ("（依据：", "(Source: ")
#: what a turn checks: any of these substrings in the reply's text (empty: any non-empty reply)
Turn = tuple[str, tuple[str, ...]]

POLICY_ZH: list[Turn] = [(q, CITED) for q in (
    "绿卡有什么用",
    "外籍高层次人才可以享受哪些住房补贴？",
    "我是外国医生，山西卫生系统缺人吗",
    "子女入学有什么优惠政策",
    "外国人才来山西创业有资金支持吗",
    "猎头公司引进外国专家有佣金吗",
    "工作许可怎么办理",
    "外籍人才的配偶可以在山西工作吗",
    "引进外国专家的单位有补助吗",
    "港澳台人才适用这个政策吗",
)]
POLICY_EN: list[Turn] = [(q, CITED) for q in (
    "What is the green card good for?",
    "Is there a housing subsidy for foreign experts?",
    "How much is the Friendship Award?",
    "Can my children go to school in Shanxi?",
    "Is there funding for foreigners who start a company?",
    "Do headhunters get a commission for recruiting foreign experts?",
    "How do I get a work permit?",
    "Can my spouse work in Shanxi too?",
    "Does the employer get a subsidy for hiring a foreign expert?",
    "I'm from Hong Kong. Does this policy apply to me?",
)]
PRECHECK_ZH: list[Turn] = [
    ("我想看看自己能不能享受这个政策", ("学历", "学位")),
    ("硕士", ()),
    ("7年", ()),
    ("新能源", ()),
    ("34岁", ()),
    ("绿卡有什么用", CITED),
]
PRECHECK_EN: list[Turn] = [
    ("Could you check whether I'd qualify for the talent programme?", ("degree",)),
    ("a master's degree", ()),
    ("around 7 years", ()),
    ("renewable energy", ()),
    ("I'm 34", ()),
    ("How much is the Friendship Award?", CITED),
]
PICK_SLOT = "<first offered slot>"
#: the payload of a button that books a time slot contains this
SLOT_PAYLOAD = "booking_start"
BOOKING_ZH: list[Turn] = [
    ("我想预约服务窗口", ("哪项服务",)),
    ('/inform{"service": "work_permit"}', ("哪个城市",)),
    ("大同", ("哪天什么时间",)),
    ("绿卡有什么用", CITED),
    ("下周二上午", ()),
    (PICK_SLOT, ()),
    ("不同意", ()),
    ("确认", ()),
    ("我的预约", ()),
]
BOOKING_EN: list[Turn] = [
    ("I'd like to book an appointment for a work permit consultation at the Datong window", ("When",)),
    ("next Tuesday at 10", ()),
    (PICK_SLOT, ()),
    ("How much is the Friendship Award?", CITED),
    ("no, I'd rather not", ()),
    ("yes", ()),
    ("show my appointments", ()),
]
VANILLA: list[Turn] = [
    ("hello", ("Hey",)),
    ("I am sad", ()),
    ("no", ()),
    ("hi there", ("Hey",)),
    ("are you a bot?", ("bot",)),
    ("I am great", ()),
    ("good morning", ("Hey",)),
    ("I am feeling very good", ()),
    ("are you a human?", ("bot",)),
    ("goodbye", ()),
]

#: bot -> scenario name -> (weight, turns). Policy questions are what most conversations are.
SCENARIOS: dict[str, dict[str, tuple[int, list[Turn]]]] = {
    "assistant": {
        "policy_zh": (3, POLICY_ZH),
        "policy_en": (3, POLICY_EN),
        "precheck_zh": (1, PRECHECK_ZH),
        "precheck_en": (1, PRECHECK_EN),
        "booking_zh": (1, BOOKING_ZH),
        "booking_en": (1, BOOKING_EN),
    },
    "vanilla": {"vanilla_chat": (1, VANILLA)},
}
