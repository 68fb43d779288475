"""The web front as one small aiohttp application.

* ``GET /`` the chat page; ``GET /static/<file>`` its script and style (self-hosted, no CDN);
* ``POST /api/chat`` ``{"sender", "message"}``: a same-origin proxy to Rasa's REST channel, answering
  with Rasa's own list of ``{"recipient_id", "text", "buttons"}``, or a JSON error
  ``{"error", "message": {"zh", "en"}}``: 400 for a bad request, 502 when Rasa cannot be reached or
  fails, 504 when it does not answer in time;
* ``GET /staff``, ``GET /api/staff/check``, ``GET /api/staff/search?q=&lang=&top=``,
  ``GET /api/staff/article/<1..25|closing>``: the staff FAQ page and its API. They do not exist (404)
  unless a staff token is configured (``STAFF_TOKEN``); the API then needs
  ``Authorization: Bearer <token>`` (401 otherwise). The page itself holds only a sign-in form: it keeps
  the token in ``sessionStorage`` and sends it with each API call. The search is ``python -m bot faq``'s:
  ``default_searcher().search(q, lang, top)`` shaped by :func:`bot.cli.faq.response_json`;
* ``GET /health``: 200 when the web process is up (it does not wait for Rasa).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.cli.faq import response_json

log = logging.getLogger("bot.web")

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEFAULT_CHAT_TIMEOUT = 30.0
#: Longest chat message passed on to the assistant (the page's input has the same ``maxlength``).
MAX_MESSAGE_CHARS = 1000
#: Longest staff query: the search's own limit (``policy_kb.search.MAX_QUERY_CHARS``, checked by a test).
MAX_QUERY_CHARS = 500
MAX_TOP = 25
DEFAULT_TOP = 5
#: Request bodies larger than this are refused (413) before they are read.
MAX_BODY_BYTES = 16 * 1024
#: The page's conversation id: a UUID, or the fallback's hex; nothing that could confuse a log or a store.
SENDER_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

#: The files under ``/static/``; staff files only when the staff pages are on.
CHAT_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
STAFF_FILES = {"staff.js": "text/javascript"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

ERRORS: dict[str, dict[str, str]] = {
    "bad_request": {"zh": "请求格式不正确。", "en": "The request is not valid."},
    "bad_sender": {"zh": "会话编号无效，请刷新页面。", "en": "The conversation id is not valid. Please reload the page."},
    "empty_message": {"zh": "消息不能为空。", "en": "The message is empty."},
    "message_too_long": {"zh": f"消息太长了，最多{MAX_MESSAGE_CHARS}个字符。",
                         "en": f"The message is too long: at most {MAX_MESSAGE_CHARS} characters."},
    "rasa_unreachable": {"zh": "暂时无法连接到助手，请稍后再试。",
                         "en": "The assistant cannot be reached right now. Please try again shortly."},
    "rasa_timeout": {"zh": "助手响应超时，请稍后再试。", "en": "The assistant took too long to answer. Please try again."},
    "rasa_error": {"zh": "助手出错了，请稍后再试。", "en": "The assistant ran into a problem. Please try again shortly."},
    "unauthorized": {"zh": "需要有效的工作人员令牌。", "en": "A valid staff token is required."},
    "empty_query": {"zh": "请输入要搜索的问题。", "en": "Please enter a question to search for."},
    "query_too_long": {"zh": f"问题太长了，最多{MAX_QUERY_CHARS}个字符。",
                       "en": f"The question is too long: at most {MAX_QUERY_CHARS} characters."},
    "bad_lang": {"zh": "语言参数只能是 zh 或 en。", "en": "lang must be zh or en."},
    "bad_top": {"zh": f"结果数量必须是1到{MAX_TOP}之间的整数。", "en": f"top must be a whole number from 1 to {MAX_TOP}."},
    "no_article": {"zh": "没有这一条。条款编号为1到25，或 closing（港澳台人才条款）。",
                   "en": "No such article: use 1 to 25, or closing for the Hong Kong/Macao/Taiwan clause."},
    "kb_unavailable": {"zh": "知识库暂时不可用，请查看服务器日志。", "en": "The knowledge base is not available; see the server log."},
}


@dataclass(frozen=True)
class Config:
    rasa_url: str
    staff_token: str | None
    chat_timeout: float

    @property
    def webhook(self) -> str:
        return self.rasa_url.rstrip("/") + "/webhooks/rest/webhook"


CONFIG = web.AppKey("config", Config)
CLIENT = web.AppKey("client", aiohttp.ClientSession)

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def error(status: int, code: str, **headers: str) -> web.Response:
    return web.json_response({"error": code, "message": ERRORS[code]}, status=status, dumps=_dumps,
                             headers=headers or None)


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

async def chat(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:  # not JSON, or not UTF-8
        return error(400, "bad_request")
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return error(400, "bad_request")
    sender, message = body.get("sender"), body["message"]
    if not isinstance(sender, str) or not SENDER_RE.match(sender):
        return error(400, "bad_sender")
    if not message.strip():
        return error(400, "empty_message")
    if len(message) > MAX_MESSAGE_CHARS:
        return error(400, "message_too_long")
    config = request.app[CONFIG]
    try:
        async with request.app[CLIENT].post(config.webhook, json={"sender": sender, "message": message}) as r:
            if r.status != 200:
                log.warning("Rasa answered %s: %s", r.status, (await r.text())[:300])
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
    return web.json_response(replies, dumps=_dumps, headers={"Cache-Control": "no-store"})


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
            return error(401, "unauthorized", **{"WWW-Authenticate": 'Bearer realm="staff"'})
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
        body = await request.app[KB].call(lambda s: response_json(s.search(query, lang, top)))
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
    from policy_kb.citation import article_name, cite

    a = kb.article(ref)
    both = ("zh", "en")
    return {
        "article": ref,
        "ref": "closing" if ref is None else str(ref),
        "name": {lang: article_name(ref, lang) for lang in both},
        "cite": {lang: cite(ref, lang) for lang in both},
        "title": {lang: a.title.get(lang) for lang in both},
        "text": {lang: a.text.get(lang) for lang in both},
        "summary": {lang: a.summary.get(lang) for lang in both},
        "units": [{lang: kb.units[u].get(lang) for lang in both} for u in a.units_zh],
        "code": kb.code,
    }


# --- the application ---------------------------------------------------------------------------------

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


def create_app(rasa_url: str, staff_token: str | None = None,
               chat_timeout: float = DEFAULT_CHAT_TIMEOUT) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[CONFIG] = Config(rasa_url=rasa_url, staff_token=staff_token or None, chat_timeout=chat_timeout)
    app.cleanup_ctx.extend([_client, _kb])
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/health", health)
    app.router.add_post("/api/chat", chat)
    app.router.add_get("/staff", staff_page)
    app.router.add_get("/api/staff/check", staff_check)
    app.router.add_get("/api/staff/search", staff_search)
    app.router.add_get("/api/staff/article/{ref}", staff_article)
    return app
