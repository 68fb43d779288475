from pathlib import Path

from tests.support.chat import Chat

SCRIPTS = {
    "en": ["register as a Shanxi-origin entrepreneur", "I agree", "Xiaodian, Taiyuan", "I live in Malaysia",
           "restaurants", "skip", "starting a business and family contact", "anna.lim@example.com",
           "change the country", "Singapore", "confirm", "see my registration", "delete my registration", "yes"],
    "zh": ["我是外籍晋商，想登记", "同意", "运城", "临猗", "现在住在加拿大", "国际贸易", "跳过", "第一个和第三个",
           "我的邮箱是 wang.li@example.com", "发展状况改成在多伦多经营进出口公司，约30人", "确认", "查看我的登记",
           "删除我的登记", "是的"],
}


def test_transcripts(stack) -> None:
    out = Path("/tmp/transcripts")
    out.mkdir(exist_ok=True)
    for lang, script in SCRIPTS.items():
        chat = Chat(stack, "web:register")
        for m in script:
            chat.say(m)
        (out / f"{lang}.txt").write_text("\n".join(chat.transcript) + "\n", encoding="utf-8")
