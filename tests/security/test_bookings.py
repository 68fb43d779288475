"""Findings 2, 3 and 7 (booking side): a reference code was a bearer secret, "not found / cancelled / past"
was an oracle, nothing was throttled or capped, and a lone surrogate crashed the store.

The attacks go to the real action server process (``bot.action_server``, as the runner starts it) the
way Rasa calls it: ``POST /webhook`` with the action server's token and a tracker for the attacker's
own conversation - so these are the calls any user can make Rasa send by typing, with the slot values
a scripted client can steer. The store behind it is a real database: SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from appointments.catalogue import get_catalogue
from appointments.store import AppointmentStore
from appointments.workdays import now_local
from tests.support.appointments import database_url_for
from tests.support.env import patched_environ
from tests.support.locations import LOGS, POSTGRES_URL, REDIS_URL, ROOT
from tests.support.net import free_port
from tests.support.stack import StackServices, started, store_settings

HASH_KEY = "security-test-hash-key"
PROOF_ATTEMPTS = 3
CAP = 2
VICTIM = "web:victim-conversation-0001"
VICTIM_NAME = "张伟"


@dataclass
class ActionServer:
    url: str
    token: str
    store: AppointmentStore
    domain: dict

    def call(self, action: str, sender: str, text: str = "", intent: str = "inform", slots: dict | None = None,
             form: str | None = None, entities: list[dict] | None = None) -> tuple[int, dict]:
        """One action as Rasa runs it for ``sender``'s conversation; (HTTP status, JSON answer)."""
        body = {
            "next_action": action, "sender_id": sender, "version": "3.6.21", "domain": self.domain,
            "tracker": {
                "sender_id": sender, "slots": {"language": "zh", **(slots or {})},
                "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                                   "entities": entities or []},
                "events": [], "paused": False, "followup_action": None,
                "active_loop": {"name": form} if form else {}, "latest_action_name": "action_listen",
            },
        }
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, {}


def _domain() -> dict:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain")).as_dict()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def actions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    """An action server of its own, not the session's stack: it runs with tighter limits (``CAP`` bookings,
    ``PROOF_ATTEMPTS`` proofs) on a store of each database, which this process opens too (same hash key)."""
    engine: Engine
    schema = None
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('bookings') / 'appointments.sqlite3'}", future=True)
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL, future=True)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine = create_engine(POSTGRES_URL, future=True, connect_args={"options": f"-csearch_path={schema}"})
    env = {"APPOINTMENTS_DATABASE_URL": database_url_for(engine), "APPOINTMENTS_HASH_KEY": HASH_KEY,
           "APPOINTMENTS_PROOF_ATTEMPTS": str(PROOF_ATTEMPTS), "APPOINTMENTS_MAX_PER_CONVERSATION": str(CAP),
           "APPOINTMENTS_MAX_PER_CONTACT": str(CAP), "REDIS_URL": REDIS_URL}
    services = StackServices(action_port=free_port(), log_dir=LOGS / f"security-bookings-{request.param}",
                             settings=store_settings(tmp_path_factory.mktemp("bookings-state")) | env)
    store = AppointmentStore(engine, get_catalogue())
    store.create_schema()
    try:
        with patched_environ(env), started(services, f"an action server with booking limits ({request.param})",
                                           actions_only=True):
            yield ActionServer(f"http://127.0.0.1:{services.action_port}/webhook", services.action_token, store,
                               _domain())
    finally:
        engine.dispose()
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


def _slots(n: int, store: AppointmentStore) -> list[dt.datetime]:
    return [s.start for s in store.nearest_free_slots("datong", "work_permit", now_local() + dt.timedelta(days=2), n)]


@pytest.fixture
def victim(actions: ActionServer) -> tuple[str, str]:
    """(code, contact) of a booking with a name and a contact, made in the victim's conversation."""
    start = _slots(1, actions.store)[0]
    contact = f"zhang.wei.k7pm4qxz.{uuid.uuid4().hex[:8]}@example.com"  # holds a code-shaped part on purpose
    booked = actions.store.book(window_id="datong", service_id="work_permit", start=start, consent=True,
                                name=VICTIM_NAME, contact=contact, conversation_id=f"{VICTIM}-{uuid.uuid4().hex}")
    assert booked.ok
    return booked.appointment.code, contact


def attacker() -> str:
    return f"web:attacker-{uuid.uuid4().hex}"


def said(answer: dict) -> str:
    """Everything the action put on screen or left for the next question."""
    texts = [m.get("text") or "" for m in answer.get("responses", [])]
    for e in answer.get("events", []):
        if e.get("event") == "slot" and e.get("value") is not None:
            texts.append(json.dumps(e["value"], ensure_ascii=False))
    return "\n".join(texts)


def shows_the_owner(answer: dict) -> bool:
    out = said(answer)
    return VICTIM_NAME in out or "zhang.wei" in out or "zhan***" in out


# --------------------------------------------------------------------------- a code is not a bearer secret


def test_a_known_code_cancels_nothing_from_another_conversation(actions: ActionServer, victim: tuple[str, str]) -> None:
    victim_code = victim[0]
    me = attacker()
    status, asked = actions.call("validate_cancel_form", me, f"取消预约 {victim_code}", "cancel_appointment",
                                 form="cancel_form")
    assert status == 200 and not shows_the_owner(asked)
    status, confirm = actions.call("action_ask_cancel_confirmed", me, slots={"appointment_code": victim_code})
    assert status == 200 and not shows_the_owner(confirm), "the confirmation showed the owner's name and contact"
    status, result = actions.call("action_cancel_result", me, slots={"appointment_code": victim_code,
                                                                     "cancel_confirmed": True})
    assert status == 200 and actions.store.get(victim_code).status == "booked", "another conversation cancelled it"


def test_a_known_code_moves_nothing_from_another_conversation(actions: ActionServer, victim: tuple[str, str]) -> None:
    victim_code = victim[0]
    before = actions.store.get(victim_code).start
    target = next(s for s in _slots(6, actions.store) if s != before)
    status, _ = actions.call("validate_reschedule_form", attacker(), f'/inform{{"booking_start": "{target.isoformat()}"}}',
                             "inform", slots={"appointment_code": victim_code, "requested_slot": "reschedule_start"},
                             form="reschedule_form", entities=[{"entity": "booking_start", "value": target.isoformat()}])
    assert status == 200 and actions.store.get(victim_code).start == before, "another conversation moved it"


def test_the_right_contact_opens_it_without_showing_the_owner(actions: ActionServer, victim: tuple[str, str]) -> None:
    victim_code, victim_contact = victim
    me = attacker()
    slots = {"appointment_code": victim_code, "requested_slot": "appointment_proof"}
    status, proved = actions.call("validate_cancel_form", me, victim_contact.upper(), "inform", slots=slots,
                                  form="cancel_form")
    grant = next(e["value"] for e in proved["events"] if e.get("name") == "appointment_proof")
    assert status == 200 and grant and "zhang" not in grant.lower() and not shows_the_owner(proved)
    _, confirm = actions.call("action_ask_cancel_confirmed", me, slots={"appointment_code": victim_code,
                                                                        "appointment_proof": grant})
    assert "确定要取消" in said(confirm) and not shows_the_owner(confirm)
    actions.call("action_cancel_result", me, slots={"appointment_code": victim_code, "appointment_proof": grant,
                                                    "cancel_confirmed": True})
    assert actions.store.get(victim_code).status == "cancelled"


def test_a_forged_grant_opens_nothing(actions: ActionServer, victim: tuple[str, str]) -> None:
    victim_code = victim[0]
    for forged in ("0" * 64, "x", "伪造"):
        actions.call("action_cancel_result", attacker(), slots={"appointment_code": victim_code,
                                                                 "appointment_proof": forged, "cancel_confirmed": True})
    assert actions.store.get(victim_code).status == "booked"


# --------------------------------------------------------------------------- no oracle


def test_not_found_reads_the_same_whatever_the_reason(actions: ActionServer, victim: tuple[str, str]) -> None:
    victim_code = victim[0]
    store = actions.store
    cancelled = store.book(window_id="datong", service_id="work_permit", start=_slots(1, store)[0], consent=True,
                           name="王芳", contact="13800138001", conversation_id=f"web:other-{uuid.uuid4().hex}")
    store.cancel(cancelled.appointment.code)
    anonymous = store.book(window_id="datong", service_id="work_permit", start=_slots(1, store)[0],
                           conversation_id=f"web:anon-{uuid.uuid4().hex}").appointment.code
    answers = []
    for code in (victim_code, cancelled.appointment.code, anonymous, "ZZZZ9999"):
        me = attacker()
        _, asked = actions.call("validate_cancel_form", me, f"取消 {code}", "cancel_appointment", form="cancel_form")
        _, failed = actions.call("validate_cancel_form", me, "13900000000", "inform", form="cancel_form",
                                 slots={"appointment_code": code, "requested_slot": "appointment_proof"})
        answers.append((said(asked) + "\n" + said(failed)).replace(code, "CODE").replace(f"{code[:4]}-{code[4:]}", "CODE"))
    assert len(set(answers)) == 1, "the answers tell existing, cancelled, anonymous and unknown codes apart"


# --------------------------------------------------------------------------- throttling and caps


def test_failed_proofs_are_throttled_per_conversation(actions: ActionServer, victim: tuple[str, str]) -> None:
    victim_code, victim_contact = victim
    me = attacker()
    slots = {"appointment_code": victim_code, "requested_slot": "appointment_proof"}
    for i in range(PROOF_ATTEMPTS):
        actions.call("validate_cancel_form", me, f"1390000000{i}", "inform", slots=slots, form="cancel_form")
    _, late = actions.call("validate_cancel_form", me, victim_contact, "inform", slots=slots, form="cancel_form")
    granted = [e["value"] for e in late.get("events", []) if e.get("name") == "appointment_proof" and e.get("value")]
    assert granted == [], "the right contact still opened the booking after the attempts ran out"
    assert "尝试次数太多" in said(late)


def _book_by_form(actions: ActionServer, sender: str, start: dt.datetime, contact: str | None = None) -> bool:
    slots = {"booking_service": "work_permit", "booking_window": "datong", "booking_start": start.isoformat(),
             "booking_consent": contact is not None, "booking_name": "脚本" if contact else None,
             "booking_contact": contact, "requested_slot": "booking_confirmed"}
    status, answer = actions.call("validate_booking_form", sender, "/affirm", "affirm", slots=slots, form="booking_form")
    assert status == 200
    return any(e.get("name") == "booking_code" and e.get("value") for e in answer.get("events", []))


def test_a_script_cannot_fill_a_windows_horizon(actions: ActionServer) -> None:
    """One conversation, or one contact over many conversations, holds at most the cap (the web
    front and WeChat rate-limit new conversations per client)."""
    starts = _slots(8, actions.store)
    script = attacker()
    made = sum(_book_by_form(actions, script, s) for s in starts[:4])
    assert made == CAP, f"one conversation made {made} bookings"
    made = sum(_book_by_form(actions, attacker(), s, contact="bot@example.net") for s in starts[4:])
    assert made == CAP, f"one contact made {made} bookings"


def test_a_lone_surrogate_gets_an_answer_not_a_500(actions: ActionServer) -> None:
    start = _slots(1, actions.store)[0]
    slots = {"booking_service": "work_permit", "booking_window": "datong", "booking_start": start.isoformat(),
             "booking_consent": True, "booking_name": "张\ud800伟", "booking_contact": "13800138002",
             "requested_slot": "booking_confirmed"}
    status, answer = actions.call("validate_booking_form", f"web:\udcff-{uuid.uuid4().hex}", "/affirm", "affirm",
                                  slots=slots, form="booking_form")
    assert status == 200 and any(e.get("name") == "booking_code" and e.get("value") for e in answer["events"])


def test_the_domain_asks_for_proof_in_both_forms(actions: ActionServer) -> None:
    for form in ("cancel_form", "reschedule_form"):
        assert actions.domain["forms"][form]["required_slots"][:2] == ["appointment_code", "appointment_proof"]
