"""Locust users for ``make bench``: each user is one conversation after another over Rasa's REST channel.

Runs in the bench's own venv (``bench/.venv``, Locust pinned in ``bench/requirements.lock``), never in
the project's. ``BENCH_BOT`` (``assistant`` or ``vanilla``) chooses the scenarios of
``bench/scenarios.py``; each conversation gets a fresh sender id, as a new visitor would, and users
send their next message as soon as the reply arrives (no think time), so throughput is what one
replica can serve at that many concurrent conversations.

Every turn is recorded under its scenario's name. A turn fails when the HTTP call fails, the reply is
empty, or the reply lacks what the scenario expects (a policy answer without its citation).
"""

from __future__ import annotations

import json
import os
import random
import sys
import uuid
from pathlib import Path

from locust import HttpUser, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenarios import PICK_SLOT, SCENARIOS, SLOT_PAYLOAD  # noqa: E402 - the folder is put on the path first, no project imports

BOT = os.environ.get("BENCH_BOT", "assistant")
CHOICES = SCENARIOS[BOT]
NAMES = list(CHOICES)
WEIGHTS = [weight for weight, _ in CHOICES.values()]


def _offered_slot(reply: list[dict]) -> str | None:
    return next((b["payload"] for m in reply for b in m.get("buttons") or [] if SLOT_PAYLOAD in b["payload"]), None)


class Conversation(HttpUser):
    wait_time = constant(0)

    @task
    def converse(self) -> None:
        name = random.choices(NAMES, WEIGHTS)[0]
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        reply: list[dict] = []
        for message, expected in CHOICES[name][1]:
            if message == PICK_SLOT:
                message = _offered_slot(reply)
                if message is None:  # the typed time was free and taken at once
                    continue
            with self.client.post("/webhooks/rest/webhook", name=name, catch_response=True,
                                  data=json.dumps({"sender": sender, "message": message}),
                                  headers={"Content-Type": "application/json"}) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                    return
                reply = response.json()
                text = "\n".join(m.get("text") or "" for m in reply)
                if not reply:
                    response.failure("empty reply")
                elif expected and not any(e in text for e in expected):
                    response.failure(f"{message[:30]!r} got {text[:50]!r}: expected one of {expected}")
