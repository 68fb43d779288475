"""WeChat Official Account (公众号) channel: ``/webhooks/wechat/webhook``.

The platform pushes each user message as signed (and in safe mode encrypted) XML and waits 5 seconds
for a passive reply, retrying up to three times in all. This channel:

1. refuses (403), before reading the body, every request whose timestamp is more than 5 minutes from
   now or whose signature is wrong, and answers the URL check (GET);
2. binds each (timestamp, nonce) pair to the first message it came with (a SHA-256 of the message as
   read, decrypted in safe mode) until the timestamp leaves the window: the platform's retry of that
   message passes, another body under the same signed pair is refused (403). In plain mode the
   signature covers no body, so this is what stops one logged push URL from speaking for anyone;
3. deduplicates retries: a message by ``MsgId``, an event by ``FromUserName`` + ``CreateTime``.
   The first delivery starts the turn; a retry never starts another one, it waits for the same
   answer instead (shared through Redis when ``REDIS_URL`` is set, so a retry landing on another
   worker waits too);
4. waits up to ``reply_window`` (4.5 s) for the turn: in time, the answer goes back as the passive
   reply to the newest delivery of the message; otherwise the request gets ``success`` and the
   answer goes out afterwards through the customer-service API. Exactly one of the two happens: the
   deliverer claims the message with ``SET NX`` first;
5. renders the assistant's messages as one text: the last message's buttons become numbered options
   (a reply "1" sends the first button's payload), and text beyond 2048 bytes waits for "更多"; right
   after a cited answer, "原文" and "没帮到" are answered here (:mod:`bot.channels.wechat_followups`);
6. cleans and caps every text (``lexicon.user_text``) and limits each follower's pace
   (``ratelimit``), answering politely instead of starting a turn.

The follower's Rasa sender id is ``wx:<openid>`` (:func:`sender_id`): no other channel can name it,
so a web visitor who knows an openid still talks to nobody else's conversation. Logs carry a short
hash of the openid only.

What the channel keeps in its store, and for how long (all far within the personal-data retention
period, ``APPOINTMENTS_RETENTION_DAYS``): a message's dedupe keys and answer :data:`MESSAGE_TTL`
(10 minutes); a (timestamp, nonce) binding until its timestamp is 5 minutes old (at most 10 minutes);
a follower's pending numbered options and "更多" pages :data:`USER_TTL` (48 hours, the platform's own
customer-service window), deleted at once on unfollow, when the follower's stored conversation is
deleted too (``bot.privacy.delete_conversations``).

Follows (subscribe) get a Chinese welcome: the assistant's own help (``utter_help``, read from
``domain/`` at start-up, with its buttons) and the article 9 support for 外籍晋商晋才 in the knowledge
base's words, then an entry to their register (``/register_merchant``); unfollows are acknowledged
quietly; voice without recognition, images, locations, links, videos and other types get a polite text
answer. The channel's own words are in ``wechat_texts.yml``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import metrics
from bot.channels.script import in_script
from bot.channels.turn_texts import turn_texts
from bot.channels.wechat_api import DEFAULT_API_BASE, CustomerServiceAPI
from bot.channels.wechat_followups import Followups
from bot.channels.wechat_format import (
    Rendered,
    UserState,
    is_more,
    language_of,
    paginate,
    parse_choice,
    render,
)
from bot.channels.wechat_protocol import DEFAULT_MODE, FRESHNESS_S, SUCCESS, Forbidden, Incoming, Malformed, Protocol
from bot.channels.wechat_store import Store, make_store
from bot.channels.wechat_texts import texts
from i18n import LANGUAGES
from i18n.responses import response as domain_response
from lexicon.user_text import MAX_MESSAGE_CHARS, clean_user_text
from policy_kb.messages import message
from ratelimit.limiter import RateLimiter
from registry.fields import labels as register_label

logger = logging.getLogger(__name__)

#: Seconds to wait for a turn before answering ``success`` (the platform gives up at 5).
REPLY_WINDOW = 4.5
#: How long the dedupe keys and the answer of a message are kept. The platform retries within ~15 s;
#: a captured push stays fresh up to 5 minutes past its (possibly 5 minutes early) timestamp, so its
#: dedupe key must outlive that: twice the freshness window.
MESSAGE_TTL = 2 * FRESHNESS_S
#: How long a user's numbered options and remaining pages are remembered (the platform's 48 h window).
USER_TTL = 2 * 24 * 3600
#: A push larger than this is not a message from the platform (1,000 characters of text, encrypted
#: and base64-encoded, with the XML around it, stay far below it); read no further.
MAX_BODY = 32 * 1024
#: Turns per follower per window before the channel answers "please slow down" itself.
RATE_LIMIT = 20
RATE_WINDOW_S = 60.0
#: The Rasa sender id of a follower is this prefix + openid (the web front uses ``web:``).
SENDER_PREFIX = "wx:"
#: How often a delivery on another worker looks for the answer in the shared store.
POLL = 0.1
#: The assistant's help (``utter_help`` of ``domain/``) in each language, which the follow greeting repeats.
HELP = {lang: domain_response("utter_help", lang) for lang in LANGUAGES}

#: Settings: credentials.yml key -> environment variable used when the key is missing or empty.
ENV = {
    "token": "WECHAT_TOKEN",
    "appid": "WECHAT_APPID",
    "appsecret": "WECHAT_APPSECRET",
    "aes_key": "WECHAT_AES_KEY",
    "mode": "WECHAT_MODE",
    "redis_url": "REDIS_URL",
    "api_base": "WECHAT_API_BASE",
}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

def _anon(openid: str) -> str:
    """A short stable tag for logs: no openid (personal data under PIPL) in the logs."""
    return hashlib.sha256(openid.encode()).hexdigest()[:10]


def sender_id(openid: str) -> str:
    """The follower's conversation in Rasa: namespaced, so no other channel's user can name it."""
    return SENDER_PREFIX + openid


def welcome(lang: str = "zh") -> Rendered:
    """The follow greeting: the assistant's own help (``utter_help``, with its buttons), article 9 in the
    knowledge base's words and the entry to their register, for the returning Shanxi merchants and talent
    the account serves."""
    from policy_kb.citation import article_name, cite
    from policy_kb.source import load_source

    kb = load_source()
    art9 = kb.article(9)
    highlight = texts("welcome_highlight", lang, title=art9.title.get(lang), summary=art9.summary.get(lang),
                      cite=cite(9, lang))
    text = texts("welcome", lang, code=kb.code, help=HELP[lang]["text"].strip(), highlight=highlight)
    buttons = [*(HELP[lang].get("buttons") or ()),
               {"title": texts("welcome_article_option", lang, title=art9.title.get(lang), article=article_name(9, lang)),
                "payload": '/ask_policy{"article": "9"}'},
               {"title": register_label("menu_register", lang), "payload": "/register_merchant"}]
    # the payloads carry the language: a follower answering "2" has not written a word yet, and the
    # payload's own text would otherwise read as English to the language detection
    buttons = [{**b, "payload": _with_language(b["payload"], lang)} for b in buttons]
    rendered = render([{"text": text}, {"buttons": buttons}])
    return Rendered(rendered.text, rendered.options, lang)


def _with_language(payload: str, lang: str) -> str:
    """``/intent`` or ``/intent{...}`` with ``"language": lang`` among its entities."""
    intent, brace, entities = payload.partition("{")
    values = json.loads(brace + entities) if brace else {}
    return intent + json.dumps({**values, "language": lang}, ensure_ascii=False)


class WeChatCollector(CollectingOutputChannel):
    """Collects the turn's messages without splitting text on blank lines (one passive reply)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))


@dataclass
class _Local:
    """This worker's view of a message being answered."""

    ready: asyncio.Event = field(default_factory=asyncio.Event)


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat Official Account (message push, plaintext or safe mode)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        credentials = credentials or {}

        def setting(key: str) -> str:
            value = credentials.get(key)
            if value is None or str(value).strip() == "":
                value = os.environ.get(ENV[key], "")
            return str(value).strip()

        window = credentials.get("reply_window")
        return cls(
            token=setting("token"), appid=setting("appid"), appsecret=setting("appsecret"),
            aes_key=setting("aes_key"), mode=setting("mode") or DEFAULT_MODE, redis_url=setting("redis_url") or None,
            api_base=setting("api_base") or DEFAULT_API_BASE,
            reply_window=float(window) if window not in (None, "") else REPLY_WINDOW,
        )

    def __init__(self, token: str, appid: str = "", appsecret: str = "", aes_key: str = "", mode: str = DEFAULT_MODE,
                 redis_url: str | None = None, api_base: str = DEFAULT_API_BASE, reply_window: float = REPLY_WINDOW,
                 http_timeout: float = 5.0, key_prefix: str | None = None, rate_limit: int = RATE_LIMIT,
                 rate_window_s: float = RATE_WINDOW_S) -> None:
        self.problem: str | None = None
        self.protocol: Protocol | None = None
        if not token:
            self.problem = "WECHAT_TOKEN is not set"
        else:
            try:
                self.protocol = Protocol(token, appid, aes_key, mode)
            except ValueError as e:
                self.problem = f"{e} (WECHAT_MODE is {mode!r}; plaintext needs WECHAT_MODE=plain)"
        if not token:
            logger.warning("WeChat channel off: WECHAT_TOKEN is not set (see the WeChat section of the README)")
        elif self.problem:
            logger.error("WeChat channel disabled: %s (see the WeChat section of the README)", self.problem)
        elif self.protocol.mode == "plain":
            logger.warning("WeChat channel in plain mode (WECHAT_MODE=plain): pushes are not encrypted and their "
                           "signature covers no message body; use WECHAT_MODE=safe in production")
        if self.protocol and not (appid and appsecret):
            logger.warning("WeChat channel: no AppID/AppSecret, so answers later than %ss cannot be sent", reply_window)
        if self.protocol and not redis_url and int(os.environ.get("SANIC_WORKERS", "1") or 1) > 1:
            logger.warning("WeChat channel: several Sanic workers but no REDIS_URL: a retry reaching another "
                           "worker would start a second turn")
        self.reply_window = reply_window
        prefix = key_prefix if key_prefix is not None else f"wechat:{appid or 'default'}:"
        self.store: Store = make_store(redis_url, prefix)
        self.limiter = RateLimiter(rate_limit, rate_window_s, redis_url, prefix=f"{prefix}ratelimit")
        self.api = CustomerServiceAPI(appid, appsecret, self.store, api_base, timeout=http_timeout)
        self.followups = Followups(self.store)
        self.counters: Counter[str] = Counter()
        self._local: dict[str, _Local] = {}
        self._tasks: set[asyncio.Task] = set()
        self._welcome: Rendered | None = None

    # ------------------------------------------------------------------ HTTP

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint(f"wechat_webhook_{id(self)}", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.protocol else "not configured"})

        @bp.route("/metrics", methods=["GET"])  # this Rasa process's metrics; nginx forwards only /webhook
        async def prometheus(_: Request) -> HTTPResponse:
            body, content_type = metrics.exposition()
            return response.raw(body, content_type=content_type)

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.protocol is None:
                return response.text("WeChat channel not configured", status=503)
            try:
                return response.text(self.protocol.verify_url(_args(request)))
            except Forbidden:
                self.counters["forbidden"] += 1
                return response.text("forbidden", status=403)
            except Malformed:
                return response.text("bad request", status=400)

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            arrival = time.monotonic()
            # a streaming route: nothing is read yet. Bound it now, which also bounds what Sanic
            # drains of an unread body after an early answer
            request.stream.request_max_size = MAX_BODY
            if self.protocol is None:
                return response.text("WeChat channel not configured", status=503)
            args = _args(request)
            try:
                self.protocol.check(args)  # stale or unsigned: refused before the body is read
                body = await _read_body(request)
                if body is None:
                    return response.text("too large", status=413)
                incoming = self.protocol.receive(args, body)
                if not await self._bind(incoming):
                    raise Forbidden("another body under a (timestamp, nonce) already used")
            except Forbidden as e:
                self.counters["forbidden"] += 1
                logger.warning("WeChat push rejected: %s", e)
                return response.text("forbidden", status=403)
            except Malformed as e:
                logger.warning("WeChat push unreadable: %s", e)
                return response.text("bad request", status=400)
            content = await self.handle(incoming, on_new_message, arrival)
            if not content:
                return response.text(SUCCESS)
            return response.text(self.protocol.reply(incoming, content), content_type="application/xml")

        @bp.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.close()

        return bp

    async def close(self) -> None:
        await self.api.close()
        await self.store.close()

    # ------------------------------------------------------------- messages

    async def _bind(self, incoming: Incoming) -> bool:
        """True if this push is the first under its (timestamp, nonce), or carries the same message.

        The binding lives exactly as long as the timestamp is fresh, then the window check refuses
        the pair anyway.
        """
        key = f"pair:{incoming.timestamp}:{incoming.nonce}"
        digest = hashlib.sha256(incoming.xml.encode("utf-8")).hexdigest()
        ttl = max(incoming.timestamp + FRESHNESS_S - time.time(), 0) + 1
        if await self.store.add(key, digest, ttl):
            return True
        return await self.store.get(key) == digest

    async def handle(self, incoming: Incoming, on_new_message: OnNewMessage, arrival: float | None = None) -> str | None:
        """The passive reply for one delivery of a push, or None for ``success``."""
        arrival = time.monotonic() if arrival is None else arrival
        msg = incoming.message
        produce = self._producer(msg, on_new_message)
        if produce is None:  # unfollow, menu views, template receipts: nothing to say
            if str(msg._data.get("Event") or "").lower() == "unsubscribe":
                await self._forget(msg.source)
            return None
        raw = msg._data  # the pushed fields as text: nothing to convert, nothing to fail
        msg_id = str(raw.get("MsgId") or "").strip()
        key = f"msg:{msg_id}" if msg_id else f"evt:{msg.source}:{str(raw.get('CreateTime') or '').strip()}"
        attempt = await self.store.incr(f"{key}:attempts", MESSAGE_TTL)
        deadline_wall = time.time() + self.reply_window - (time.monotonic() - arrival)
        await self.store.set(f"{key}:deadline", f"{deadline_wall:.3f}", MESSAGE_TTL)
        # shielded: a connection dropped mid-claim must not leave a claimed message without its turn
        if not await asyncio.shield(self._start(key, msg.source, produce)):
            self.counters["duplicates"] += 1
            logger.info("retry %s of %s from %s: waiting for the first delivery's answer", attempt, key, _anon(msg.source))
        return await self._wait(key, attempt, arrival + self.reply_window)

    async def _start(self, key: str, openid: str, produce: Callable[[], Awaitable[str | None]]) -> bool:
        """Start the turn if this is the message's first delivery (on any worker)."""
        if not await self.store.add(f"{key}:seen", "1", MESSAGE_TTL):
            return False
        self.counters["turns"] += 1
        self._local[key] = _Local()
        task = asyncio.get_running_loop().create_task(self._answer(key, openid, produce))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def _producer(self, msg: Any, on_new_message: OnNewMessage) -> Callable[[], Awaitable[str | None]] | None:
        """What to run for this push, or None when it needs no answer at all."""
        kind = str(msg._data.get("MsgType") or "").lower()  # also for types wechatpy does not know
        meta = {"wechat": {"msg_id": str(msg._data.get("MsgId") or ""), "msg_type": kind, "account": msg.target,
                           "create_time": str(msg._data.get("CreateTime") or "")}}
        if kind == "text":
            return lambda: self._converse(msg.source, msg.content or "", meta, on_new_message)
        if kind == "voice" and (msg.recognition or "").strip():  # speech recognition switched on
            return lambda: self._converse(msg.source, msg.recognition, meta, on_new_message)
        if kind == "event":
            event = str(msg._data.get("Event") or "").lower()
            if event.startswith("subscribe"):  # wechatpy renames QR-code follows subscribe_scan
                return lambda: self._greet(msg.source)
            return None
        what = f"unsupported_{kind}" if f"unsupported_{kind}" in texts else "unsupported_other"
        text = texts("unsupported", "zh", what=texts(what, "zh"))  # no words to read a language from

        async def unsupported() -> str:
            return text

        return unsupported

    async def _greet(self, openid: str) -> str:
        if self._welcome is None:
            self._welcome = welcome()
        pages = paginate(self._welcome.text, "zh")
        await self._save_state(openid, UserState(self._welcome.options, pages[1:]))
        return pages[0]

    async def _forget(self, openid: str) -> None:
        """Someone who unfollows leaves nothing behind: pending choices, pages, and the stored conversation."""
        from bot.privacy import delete_conversations

        await self.store.delete(f"user:{openid}")
        await self.followups.forget(openid)
        try:
            deleted = await asyncio.to_thread(delete_conversations, [sender_id(openid)])
        except Exception:  # noqa: BLE001 - logged; the follower has left either way, the purge catches up
            logger.exception("deleting the conversation of %s after the unfollow failed", _anon(openid))
            return
        logger.info("follower %s left: %s stored conversation(s) deleted", _anon(openid), deleted)

    async def _within_rate(self, openid: str) -> bool:
        """The follower's pace is within :data:`RATE_LIMIT`; a Redis outage lets messages through
        (like the store, the channel keeps answering without Redis)."""
        from redis.exceptions import RedisError

        try:
            return await asyncio.to_thread(self.limiter.allow, hashlib.sha256(openid.encode()).hexdigest())
        except (RedisError, OSError) as e:
            logger.warning("WeChat rate limit not checked (Redis: %s)", e)
            return True

    async def _converse(self, openid: str, text: str, meta: dict, on_new_message: OnNewMessage) -> str | None:
        # a follower's pace and text are checked before anything is read from the store or the
        # assistant: a polite answer costs no turn, and the pending choices stay as they were
        if not await self._within_rate(openid):
            self.counters["rate_limited"] += 1
            return in_script(texts("rate_limited", language_of(text[:MAX_MESSAGE_CHARS])), text[:MAX_MESSAGE_CHARS])
        if len(clean_user_text(text, MAX_MESSAGE_CHARS + 1)) > MAX_MESSAGE_CHARS:
            return in_script(texts("too_long", language_of(text[:MAX_MESSAGE_CHARS]), max_chars=MAX_MESSAGE_CHARS),
                             text[:MAX_MESSAGE_CHARS])
        text = clean_user_text(text)
        if not text:
            return message("no_content", "zh")
        state = UserState.from_json(await self.store.get(f"user:{openid}"))
        if state.more and is_more(text):
            page, state.more = state.more[0], state.more[1:]
            await self._save_state(openid, state)
            return page
        typed = text
        choice = parse_choice(text)
        if choice is not None and 1 <= choice <= len(state.options):
            option = state.options[choice - 1]
            meta["wechat"]["option"] = {"number": choice, "title": option.title}
            text = option.payload
        followup = await self.followups.reply(openid, sender_id(openid), text)
        if followup is not None:
            pages = paginate(followup.text, followup.lang)
            await self._save_state(openid, UserState(state.options, pages[1:]))
            return pages[0]
        collector = WeChatCollector()
        raised = False
        try:
            turn = meta.setdefault(metrics.TURN_KEY, metrics.turn_id())
            await metrics.observed("rasa", "wechat", turn, on_new_message(UserMessage(
                text, collector, sender_id=sender_id(openid), input_channel=self.name(), metadata=meta)))
        except Exception:  # noqa: BLE001 - whatever failed, the user still gets an answer
            logger.exception("WeChat turn for %s failed", _anon(openid))
            raised = True
        # what a turn that raised said before it failed is not what the follower gets
        await self.followups.remember(openid, typed if choice is None else None, [] if raised else collector.messages)
        lang = language_of(text)
        # Rasa stores a turn at its end: one that raised left nothing, so "send it again"
        rendered = Rendered(turn_texts("not_processed", lang), [], lang) if raised else render(collector.messages)
        if not rendered.text:  # stored, but the action server was down or an action crashed: never silence
            rendered = Rendered(message("service_unavailable", lang), [], lang)
        # the whole reply in the follower's script, the channel's own words (options, "更多") included
        pages = paginate(in_script(rendered.text, typed), rendered.lang,
                         hint=in_script(texts("more_hint", rendered.lang), typed))
        await self._save_state(openid, UserState(rendered.options, pages[1:]))
        return pages[0]

    async def _save_state(self, openid: str, state: UserState) -> None:
        if state.options or state.more:
            await self.store.set(f"user:{openid}", state.to_json(), USER_TTL)
        else:
            await self.store.delete(f"user:{openid}")

    # ------------------------------------------------------------- delivery

    async def _answer(self, key: str, openid: str, produce: Callable[[], Awaitable[str | None]]) -> None:
        """Run the turn once, publish its answer, and send it by the customer-service API when no
        delivery of the message took it as its passive reply in time."""
        try:
            content = await produce()
        except Exception:  # noqa: BLE001 - the user gets an apology, the log the traceback
            logger.exception("WeChat answer for %s failed", _anon(openid))
            content = message("service_unavailable", "zh")
        await self.store.set(f"{key}:answer", json.dumps({"content": content or ""}, ensure_ascii=False), MESSAGE_TTL)
        local = self._local.pop(key, None)
        if local is not None:
            local.ready.set()
        if not content:
            return
        # a waiting delivery claims the answer itself; after the newest delivery's window has
        # passed without a claim, the answer goes out by the customer-service API
        while True:
            if await self.store.get(f"{key}:delivered"):
                return
            try:
                deadline = float(await self.store.get(f"{key}:deadline") or 0)
            except ValueError:
                deadline = 0.0
            remaining = deadline - time.time()
            if remaining <= -0.2:  # a little grace: a claim made just before the deadline lands first
                break
            await asyncio.sleep(min(POLL, max(remaining + 0.2, 0.01)))
        if not await self.store.add(f"{key}:delivered", "cs", MESSAGE_TTL):
            return
        self.counters["late"] += 1
        logger.info("answer for %s missed the reply window; sending it by the customer-service API", _anon(openid))
        if await self.api.send_text(openid, content):
            self.counters["sent"] += 1
        else:
            self.counters["send_failed"] += 1

    async def _wait(self, key: str, attempt: int, deadline: float) -> str | None:
        """Wait for the answer until ``deadline`` (monotonic); the passive content if this delivery
        should carry it."""
        while True:
            raw = await self.store.get(f"{key}:answer")
            if raw is not None:
                content = json.loads(raw).get("content") or None
                if content is None:
                    return None
                latest = int(await self.store.get(f"{key}:attempts") or attempt)
                if attempt < latest:  # the platform has given up on this connection
                    return None
                if await self.store.add(f"{key}:delivered", "passive", MESSAGE_TTL):
                    self.counters["passive"] += 1
                    return content
                # delivered before: again as a passive reply is harmless (the platform shows the reply
                # of the connection it still waits on), but never after the customer-service API sent it
                return content if await self.store.get(f"{key}:delivered") == "passive" else None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            local = self._local.get(key)
            if local is not None:
                try:
                    await asyncio.wait_for(local.ready.wait(), timeout=remaining)
                except asyncio.TimeoutError:
                    return None
            else:  # the turn runs on another worker, or has just finished here
                await asyncio.sleep(min(POLL, remaining))


async def _read_body(request: Request) -> bytes | None:
    """The request body, or None as soon as it passes :data:`MAX_BODY` (declared or streamed)."""
    try:
        await request.receive_body()
    except PayloadTooLarge:
        return None
    return request.body or b""


def _args(request: Request) -> dict[str, str | None]:
    return {k: request.args.get(k) for k in ("signature", "timestamp", "nonce", "echostr", "encrypt_type",
                                             "msg_signature", "openid")}
