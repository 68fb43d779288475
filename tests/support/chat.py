"""One conversation with the running assistant over its REST channel, kept for failure messages."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Protocol


class HasRestUrl(Protocol):
    @property
    def rest_url(self) -> str: ...


class Chat:
    """One conversation over the REST channel of ``target`` (a stack); ``transcript`` keeps it."""

    def __init__(self, target: HasRestUrl, prefix: str = "e2e") -> None:
        self.url = target.rest_url
        self.sender = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.transcript: list[str] = []

    def say(self, message: str) -> list[dict]:
        body = json.dumps({"sender": self.sender, "message": message}).encode()
        req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            reply = json.loads(r.read())
        self.transcript.append(f"> {message}")
        for m in reply:
            buttons = " ".join(f"[{b['title']}]" for b in m.get("buttons") or [])
            self.transcript.append(f"< {m.get('text') or ''} {buttons}".rstrip())
        return reply

    def text(self, message: str) -> str:
        return text_of(self.say(message))


def text_of(reply: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in reply)
