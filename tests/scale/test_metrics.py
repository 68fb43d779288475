"""Observability on the real scale-profile processes: Prometheus metrics on each, and one turn id from
nginx through the web front and Rasa to the action server, in logs that carry no user text."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest

from tests.scale.stack import ScaleStack

#: the session's stack may start in this module's first test (two Rasa replicas load the model)
pytestmark = pytest.mark.timeout(1800)


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


def count(page: str, metric: str, **labels: str) -> float:
    """The sum of ``metric`` over the series whose labels include ``labels``."""
    total = 0.0
    for line in page.splitlines():
        m = re.match(rf"^{metric}(?:\{{(.*)\}})? (\S+)$", line)
        if m and all(f'{k}="{v}"' in (m[1] or "") for k, v in labels.items()):
            total += float(m[2])
    return total


def test_metrics_and_one_turn_id_through_every_process(stack: ScaleStack) -> None:
    services = stack.services
    marker = f"probe{uuid.uuid4().hex[:8]}"
    # through the public nginx and a web front, as a browser does (the page's cookie names the conversation)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    opener.open(f"{services.public_url}/", timeout=30).read()
    req = urllib.request.Request(f"{services.public_url}/api/chat", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"message": f"What is the green card good for? {marker}"}).encode())
    with opener.open(req, timeout=60) as r:
        assert r.status == 200

    web = sum(count(scrape(f"http://127.0.0.1:{services.web_port + i}/metrics"), "jincai_turns_total",
                    component="web") for i in range(services.rasa_replicas))
    rasa = sum(count(scrape(f"{services.replica_url(i)}/webhooks/wechat/metrics"), "jincai_turns_total",
                     component="rasa", channel="rest") for i in range(services.rasa_replicas))
    actions = sum(count(scrape(f"http://127.0.0.1:{services.action_port + i}/metrics"), "jincai_turns_total",
                        component="actions") for i in range(services.action_replicas))
    assert web >= 1 and rasa >= 1 and actions >= 1
    assert any("jincai_turn_seconds_bucket" in scrape(f"http://127.0.0.1:{services.web_port + i}/metrics")
               for i in range(services.rasa_replicas))  # the latency histogram, on the web front that served
    # not public: nginx does not forward /metrics
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{services.public_url}/metrics", timeout=30)
    assert refused.value.code == 404

    logs = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in services.log_dir.glob("*.log")}
    ids = {name: set(re.findall(r'"turn_id": "([0-9a-f-]{8,64})"', text)) for name, text in logs.items()}
    web_ids = set().union(*(v for k, v in ids.items() if k.startswith("web")))
    action_ids = set().union(*(v for k, v in ids.items() if k.startswith("actions")))
    assert web_ids & action_ids, "no turn id seen by both the web front and an action server"
    assert not [name for name, text in logs.items() if marker in text], "user text in a log"
