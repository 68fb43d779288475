"""The web front as one small aiohttp application.

* ``GET /`` the chat page; ``GET /static/<file>`` its script and style (self-hosted, no CDN);
* ``POST /api/chat`` ``{"message"}``: a same-origin proxy to Rasa's REST channel, answering with Rasa's
  list of ``{"text", "buttons"}``, or a JSON error ``{"error", "message": {"zh", "en"}}``: 400 for a bad
  request, 413 for a body over 16 KiB, 415 for a compressed one, 429 past the rate limit, 502 when Rasa
  cannot be reached or fails, 504 when it does not answer in time. The conversation is the server's:
  the signed cookie of :mod:`bot.web.session` names it, Rasa sees it as ``web:<id>``; a ``sender`` in
  the body is ignored. Each conversation may send ``rate_limit`` messages a minute, each client address
  start ``new_conversation_limit`` conversations a minute (counted in Redis with ``REDIS_URL``);
* ``GET /staff``, ``GET /api/staff/check``, ``GET /api/staff/search?q=&lang=&top=``,
  ``GET /api/staff/article/<1..25|closing>``: the staff FAQ page and its API. They do not exist (404)
  unless a staff token of at least 24 characters is configured (``STAFF_TOKEN``); the API then needs
  ``Authorization: Bearer <token>`` (401 otherwise). The page itself holds only a sign-in form: it keeps
  the token in ``sessionStorage`` and sends it with each API call. The search is ``python -m bot faq``'s:
  ``default_searcher().search(q, lang, top)`` shaped by :func:`policy_kb.search_json.response_json`, each result
  with its article's ``name`` in both languages (:func:`policy_kb.citation.article_names`: the page
  names no article itself);
* ``GET /article/<ref>`` (:mod:`bot.web.article`), ``POST /api/feedback`` (:mod:`bot.web.feedback`: the
  proxy adds a signed ``feedback`` token to each policy answer) and the staff loop's
  ``/api/staff/unanswered`` (:mod:`bot.web.staff_questions`);
* ``GET /health``: 200 when the web process is up (it does not wait for Rasa).

Every request is checked before its body is read: a ``Content-Encoding`` is refused (aiohttp 3.9 would
inflate the body before ``client_max_size`` applies, so the parser's decompression is off as well), and
an ``Authorization`` that is not printable ASCII gets a 400, as does such a ``Cookie`` on the chat API. Message text is never logged.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import ipaddress
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import redis
from aiohttp import hdrs, web

from bot import metrics
from bot.staff_token import staff_token_or_none
from bot.web import article, feedback, staff_questions
from bot.web import registry as registry_pages
from bot.web.session import COOKIE_MAX_AGE_S, COOKIE_NAME, SENDER_PREFIX, SessionIds
from bot.web.texts import texts
from i18n import LANGUAGES
from lexicon.user_text import MAX_MESSAGE_CHARS, clean_user_text
from policy_kb.search_json import response_json
from ratelimit.limiter import RateLimiter

log = logging.getLogger("bot.web")

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEFAULT_CHAT_TIMEOUT = 30.0
#: Longest staff query: the search's own limit (``policy_kb.search.MAX_QUERY_CHARS``, checked by a test).
MAX_QUERY_CHARS = 500
MAX_TOP = 25
DEFAULT_TOP = 5
#: Request bodies larger than this are refused (413) before they are read.
MAX_BODY_BYTES = 16 * 1024
#: Default limits: messages a minute per conversation, new conversations a minute per client address.
DEFAULT_RATE_LIMIT = 20
DEFAULT_NEW_CONVERSATION_LIMIT = 30
RATE_WINDOW_S = 60

#: The files under ``/static/``; staff files only when the staff pages are on.
CHAT_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
STAFF_FILES = {"staff_common.js": "text/javascript", "staff.js": "text/javascript",
               "staff_unanswered.js": "text/javascript"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

#: Values for the texts' placeholders.
_LIMITS = {"message_too_long": MAX_MESSAGE_CHARS, "query_too_long": MAX_QUERY_CHARS, "bad_top": MAX_TOP}


@dataclass(frozen=True)
class Config:
    rasa_url: str
    staff_token: str | None
    chat_timeout: float
    sessions: SessionIds
    #: per conversation id
    messages: RateLimiter
    #: per (hashed) client address, counted only when a request comes without a valid cookie
    new_conversations: RateLimiter

    @property
    def webhook(self) -> str:
        return self.rasa_url.rstrip("/") + "/webhooks/rest/webhook"


CONFIG = web.AppKey("config", Config)
CLIENT = web.AppKey("client", aiohttp.ClientSession)

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def error(status: int, code: str, headers: dict[str, str] | None = None, **values: Any) -> web.Response:
    if code in _LIMITS:
        values.setdefault("max", _LIMITS[code])
    return web.json_response({"error": code, "message": texts.both(code, **values)}, status=status, dumps=_dumps,
                             headers=headers)


# --- pages and static files ------------------------------------------------------------------------

def _file(name: str, content_type: str = "text/html") -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / name, headers={"Content-Type": f"{content_type}; charset=utf-8",
                                                        "Cache-Control": "no-cache"})


async def index(request: web.Request) -> web.StreamResponse:
    return _file("index.html")


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    files = {**CHAT_FILES, **(STAFF_FILES if request.app[CONFIG].staff_token else {})}
    if name not in files:
        raise web.HTTPNotFound()
    return _file(name, files[name])


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


# --- chat proxy ----------------------------------------------------------------------------------------

def _rate_limited() -> web.Response:
    return error(429, "rate_limited", {"Retry-After": str(RATE_WINDOW_S)}, seconds=RATE_WINDOW_S)


async def _over_limit(request: web.Request, conversation_id: str) -> web.Response | None:
    """The refusal of one more request of this conversation past its rate limit, or None."""
    return None if await _allow(request.app[CONFIG].messages, conversation_id) else _rate_limited()


def _printable_ascii(value: str) -> bool:
    """aiohttp decodes header bytes leniently (non-UTF-8 bytes become lone surrogates): refuse those."""
    return value.isascii() and value.isprintable()


def _session_cookie(request: web.Request) -> str | None:
    """The value of our cookie. Not ``request.cookies``: http.cookies raises on a name it finds illegal
    (``a(b=c``), and another site on this host may have set one; only ours matters here."""
    for part in request.headers.get(hdrs.COOKIE, "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME:
            return value.strip()
    return None


async def _allow(limiter: RateLimiter, key: str) -> bool:
    """``limiter.allow(key)`` off the event loop (it may ask Redis); if Redis fails, the request goes through:
    a broken counter must not take the chat down."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, limiter.allow, key)
    except redis.RedisError as e:
        log.warning("rate limit not checked: %s", type(e).__name__)
        return True


async def chat(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    if not _printable_ascii(request.headers.get(hdrs.COOKIE, "")):
        return error(400, "bad_header")
    conversation_id = config.sessions.verify(_session_cookie(request))
    cookie = None
    if conversation_id is None:  # no cookie, or one this server did not sign: a conversation of its own
        if not await _allow(config.new_conversations, config.sessions.pseudonym(request.remote or "")):
            return _rate_limited()
        conversation_id, cookie = config.sessions.issue()
    response = await _chat_turn(request, config, conversation_id)
    if cookie is not None:
        secure = request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"
        response.set_cookie(COOKIE_NAME, cookie, max_age=COOKIE_MAX_AGE_S, path="/", httponly=True,
                            samesite="Strict", secure=secure)
    return response


async def _chat_turn(request: web.Request, config: Config, conversation_id: str) -> web.Response:
    if not await _allow(config.messages, conversation_id):
        return _rate_limited()
    try:
        body = await request.json()
    except ValueError:  # not JSON, or not UTF-8
        return error(400, "bad_request")
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return error(400, "bad_request")
    if len(body["message"]) > MAX_MESSAGE_CHARS:
        return error(400, "message_too_long")
    message = clean_user_text(body["message"])
    if not message:
        return error(400, "empty_message")
    try:
        turn = {"sender": SENDER_PREFIX + conversation_id, "message": message}
        headers = {metrics.TURN_HEADER: metrics.turn_id(request.headers.get(metrics.TURN_HEADER))}
        async with request.app[CLIENT].post(config.webhook, json=turn, headers=headers) as r:
            if r.status != 200:
                log.warning("Rasa answered HTTP %s", r.status)  # its body may quote the message: not logged
                return error(502, "rasa_error")
            replies = await r.json(content_type=None)
    except asyncio.TimeoutError:
        log.warning("Rasa did not answer within %.0fs", config.chat_timeout)
        return error(504, "rasa_timeout")
    except aiohttp.ClientError as e:
        log.warning("cannot reach Rasa at %s: %s", config.webhook, e)
        return error(502, "rasa_unreachable")
    except ValueError:
        log.warning("Rasa's answer is not JSON")
        return error(502, "rasa_error")
    if not isinstance(replies, list):
        return error(502, "rasa_error")
    # the page needs no recipient id: the conversation's id stays in its cookie
    shown = [{k: v for k, v in m.items() if k != "recipient_id"} for m in replies if isinstance(m, dict)]
    shown = feedback.with_feedback(shown, config.sessions, conversation_id, message)
    return web.json_response(shown, dumps=_dumps, headers={"Cache-Control": "no-store"})


# --- staff pages -------------------------------------------------------------------------------------

class StaffKB:
    """The FAQ searcher, loaded once in a worker thread (it brings spaCy and TensorFlow) and used there."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staff-kb")
        self._loading: asyncio.Future | None = None

    def start_loading(self) -> None:
        if self._loading is None:
            self._loading = asyncio.get_running_loop().run_in_executor(self._executor, _load_searcher)

    async def call(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(searcher)`` in the KB thread."""
        self.start_loading()
        assert self._loading is not None
        try:
            searcher = await asyncio.shield(self._loading)
        except Exception:
            self._loading = None  # try again on the next request
            raise
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, searcher)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


KB = web.AppKey("kb", StaffKB)


def _load_searcher() -> Any:
    from policy_kb.search import default_searcher  # spaCy loads TensorFlow: only when the staff pages are on

    return default_searcher()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def staff_only(handler: Handler) -> Handler:
    """404 when no staff token is configured; 401 unless the request carries it as a bearer token."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        expected = request.app[CONFIG].staff_token
        if not expected:
            raise web.HTTPNotFound()
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
            return error(401, "unauthorized", {"WWW-Authenticate": 'Bearer realm="staff"'})
        return await handler(request)

    return wrapped


async def staff_page(request: web.Request) -> web.StreamResponse:
    if not request.app[CONFIG].staff_token:
        raise web.HTTPNotFound()
    return _file("staff.html")


@staff_only
async def staff_check(request: web.Request) -> web.Response:
    return web.json_response({"ok": True}, headers={"Cache-Control": "no-store"})


@staff_only
async def staff_search(request: web.Request) -> web.Response:
    query = request.query.get("q", "")
    if not query.strip():
        return error(400, "empty_query")
    if len(query) > MAX_QUERY_CHARS:
        return error(400, "query_too_long")
    lang = request.query.get("lang") or None
    if lang not in (None, "zh", "en"):
        return error(400, "bad_lang")
    try:
        top = int(request.query.get("top") or DEFAULT_TOP)
    except ValueError:
        return error(400, "bad_top")
    if not 1 <= top <= MAX_TOP:
        return error(400, "bad_top")
    try:
        body = await request.app[KB].call(lambda s: search_json(s.search(query, lang, top)))
    except Exception:
        log.exception("staff search failed")
        return error(503, "kb_unavailable")
    return web.json_response(body, dumps=_dumps, headers={"Cache-Control": "no-store"})


@staff_only
async def staff_article(request: web.Request) -> web.Response:
    raw = request.match_info["ref"]
    if raw == "closing":
        ref = None
    elif raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 25:
        ref = int(raw)
    else:
        return error(404, "no_article")
    try:
        body = await request.app[KB].call(lambda s: article_json(s.kb, ref))
    except Exception:
        log.exception("reading article %s failed", raw)
        return error(503, "kb_unavailable")
    return web.json_response(body, dumps=_dumps, headers={"Cache-Control": "no-store"})


def article_json(kb: Any, ref: int | None) -> dict[str, Any]:
    """One article in both languages: names, title, full text, summary and responsible units."""
    from policy_kb.citation import article_names, cite

    a = kb.article(ref)
    return {
        "article": ref,
        "ref": "closing" if ref is None else str(ref),
        "name": article_names(ref),
        "cite": {lang: cite(ref, lang) for lang in LANGUAGES},
        "title": {lang: a.title.get(lang) for lang in LANGUAGES},
        "text": {lang: a.text.get(lang) for lang in LANGUAGES},
        "summary": {lang: a.summary.get(lang) for lang in LANGUAGES},
        "units": [{lang: kb.units[u].get(lang) for lang in LANGUAGES} for u in a.units_zh],
        "code": kb.code,
    }


def search_json(response: Any) -> dict[str, Any]:
    """The FAQ search's JSON, each result with its article's names: the page shows them as they are and
    names no article itself."""
    from policy_kb.citation import article_names

    body = response_json(response)
    for result in body["results"]:
        result["name"] = article_names(result["article"])
    return body


# --- the application ---------------------------------------------------------------------------------



@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What every request must pass before its body is read, and JSON for aiohttp's own refusals."""
    if hdrs.CONTENT_ENCODING in request.headers:
        return error(415, "compressed_body")
    if not _printable_ascii(request.headers.get(hdrs.AUTHORIZATION, "")):
        return error(400, "bad_header")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return error(413, "body_too_large")
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return error(413, "body_too_large")


@web.middleware
async def _observed(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Chat turns into :mod:`bot.metrics`: count, latency, errors by status (never the text or the id)."""
    if request.path != "/api/chat":
        return await handler(request)
    started = time.perf_counter()
    response = await handler(request)
    if response.status >= 400:
        metrics.error("web", f"http_{response.status}")
    metrics.observe_turn("web", "chat", time.perf_counter() - started, request.headers.get(metrics.TURN_HEADER),
                         status=response.status)
    return response


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus' scrape, for loopback callers only (nginx, which is one, never forwards ``/metrics``)."""
    try:
        loopback = ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return web.Response(status=404)
    body, content_type = metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


async def _client(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=app[CONFIG].chat_timeout, connect=min(5.0, app[CONFIG].chat_timeout))
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app[CLIENT] = session
        yield


async def _kb(app: web.Application) -> AsyncIterator[None]:
    kb = StaffKB()
    app[KB] = kb
    if app[CONFIG].staff_token:
        kb.start_loading()  # warm up in the background: /health answers at once, the first search is fast
    yield
    kb.close()


def create_app(rasa_url: str, session_secret: bytes, staff_token: str | None = None,
               chat_timeout: float = DEFAULT_CHAT_TIMEOUT, rate_limit: int = DEFAULT_RATE_LIMIT,
               new_conversation_limit: int = DEFAULT_NEW_CONVERSATION_LIMIT,
               redis_url: str | None = None) -> web.Application:
    # auto_decompress off: a compressed body is refused by _guard and is never inflated, not even by the parser
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[_guard, _observed],
                          handler_args={"auto_decompress": False})
    app[CONFIG] = Config(
        rasa_url=rasa_url, staff_token=staff_token_or_none(staff_token), chat_timeout=chat_timeout,
        sessions=SessionIds(session_secret),
        messages=RateLimiter(rate_limit, RATE_WINDOW_S, redis_url, prefix="web:messages"),
        new_conversations=RateLimiter(new_conversation_limit, RATE_WINDOW_S, redis_url, prefix="web:new"))
    app.cleanup_ctx.extend([_client, _kb])
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics_page)
    app.router.add_post("/api/chat", chat)
    app.router.add_get("/staff", staff_page)
    app.router.add_get("/api/staff/check", staff_check)
    app.router.add_get("/api/staff/search", staff_search)
    app.router.add_get("/api/staff/article/{ref}", staff_article)
    article.register(app)
    feedback.register(app, sessions_of=lambda r: r.app[CONFIG].sessions,
                      conversation=lambda r: r.app[CONFIG].sessions.verify(_session_cookie(r)),
                      refusal=_over_limit, error=error)
    staff_questions.register(app, staff_only, error)
    registry_pages.register(app, staff_only, lambda r: bool(r.app[CONFIG].staff_token))
    return app
