"""Chat with the assistant's WeChat channel as a follower would, without an Official Account.

    .venv/bin/python -m tools.wechat_try [--url URL] [--api-port 8088] [--timeout 5]

Reads WECHAT_TOKEN, WECHAT_APPID, WECHAT_APPSECRET, WECHAT_AES_KEY and WECHAT_MODE like the server,
pushes what you type through the platform simulator (signed, encrypted in safe mode, retried like
WeChat) and shows the passive reply. It also runs the stand-in customer-service API on
``--api-port``: start the server with ``WECHAT_API_BASE=http://127.0.0.1:8088`` and answers that miss
the 5-second window appear here as ``[客服消息]``. See the WeChat section of the README.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid

from bot.channels.wechat_protocol import normalize_mode
from tools.wechat_api_standin import FakeWeChatAPI
from tools.wechat_platform import WeChatPlatform

KINDS = {
    "/image": ("image", {"PicUrl": "http://mmbiz.qpic.cn/example.jpg", "MediaId": "media-1"}),
    "/voice": ("voice", {"MediaId": "media-2", "Format": "amr"}),
    "/video": ("video", {"MediaId": "media-3", "ThumbMediaId": "thumb-3"}),
    "/location": ("location", {"Location_X": "37.870", "Location_Y": "112.549", "Scale": "15", "Label": "山西省太原市"}),
    "/link": ("link", {"Title": "晋发〔2017〕47号", "Description": "政策原文", "Url": "https://example.org"}),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005/webhooks/wechat/webhook")
    parser.add_argument("--api-port", type=int, default=8088, help="stand-in customer-service API port (0: off)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds the platform waits for a reply")
    parser.add_argument("--openid", default="o" + uuid.uuid4().hex[:27])
    args = parser.parse_args(argv)

    env = os.environ
    token = env.get("WECHAT_TOKEN")
    if not token:
        print("Set WECHAT_TOKEN (and WECHAT_APPID, WECHAT_APPSECRET, WECHAT_AES_KEY, WECHAT_MODE) "
              "to the values the server uses; see the WeChat section of the README.", file=sys.stderr)
        return 2
    mode = normalize_mode(env.get("WECHAT_MODE"))  # safe unless told, like the server
    platform = WeChatPlatform(args.url, token, env.get("WECHAT_APPID", ""), env.get("WECHAT_AES_KEY", ""),
                              mode=mode, timeout=args.timeout)
    api = None
    if args.api_port:
        api = FakeWeChatAPI(env.get("WECHAT_APPID", ""), env.get("WECHAT_APPSECRET", ""), port=args.api_port).start()
        threading.Thread(target=_print_late_answers, args=(api,), daemon=True).start()

    r = platform.verify()
    print(f"URL check: HTTP {r.status_code} ({'ok' if r.status_code == 200 else r.text})")
    print(f"You are follower {args.openid} ({mode} mode). /subscribe /unsubscribe /image /voice /video "
          "/location /link /quit")
    try:
        while True:
            try:
                line = input("你> ").strip()
            except EOFError:
                break
            if not line:
                continue
            if line == "/quit":
                break
            if line in ("/subscribe", "/unsubscribe"):
                delivery = platform.event(args.openid, line[1:])
            elif line in KINDS:
                kind, extra = KINDS[line]
                delivery = platform.push(platform.fields(args.openid, kind, **extra))
            else:
                delivery = platform.text(args.openid, line)
            tries = f" after {delivery.tries} tries" if delivery.tries > 1 else ""
            if delivery.error:
                print(f"[{delivery.error}{tries}]")
            elif delivery.reply is None:
                print(f"[success{tries}: nothing shown now; a late answer comes as 客服消息]")
            else:
                print(f"晋才助手>{tries} {delivery.reply}")
    finally:
        if api is not None:
            time.sleep(0.2)
            api.stop()
    return 0


def _print_late_answers(api: FakeWeChatAPI) -> None:
    seen = 0
    while True:
        sends = [c for c in api.sends() if c.answer]
        for call in sends[seen:]:
            if call.answer.get("errcode") == 0:
                print(f"\n[客服消息] {call.json['text']['content']}\n你> ", end="", flush=True)
        seen = len(sends)
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
