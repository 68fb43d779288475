"""The customer-service message API, for answers that miss the 5-second passive-reply window.

* ``GET {api_base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` gives an access
  token valid ``expires_in`` seconds (7200 today). Every fetch invalidates the previous token and the
  daily number of fetches is limited, so the token is cached until shortly before it expires, in
  Redis when configured (one token for all workers, fetched by whichever worker holds a short lock).
* ``POST {api_base}/cgi-bin/message/custom/send?access_token=…`` with
  ``{"touser": openid, "msgtype": "text", "text": {"content": …}}`` (UTF-8 JSON, not ASCII-escaped).
  The platform allows it within 48 hours of the user's last message.

Every call runs on aiohttp (no blocking in the event loop) under a total timeout. Errors are logged
and reported as ``False``, never raised into the request that triggered them; a token the platform
calls invalid or expired (40001, 40014, 42001) is dropped and fetched once more. The query strings
carry the AppSecret and the access token, so a log line names the path only, and an aiohttp error's
text (which can quote the whole URL, e.g. ``InvalidURL`` after a bad redirect) is logged with query strings cut
off and the query values masked wherever else they appear.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from urllib.parse import quote, quote_plus

import aiohttp

from bot.channels.wechat_store import Store

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
#: Seconds before the platform's expiry when a cached token is no longer used.
TOKEN_MARGIN = 300
#: Errors meaning "this access token is no good": fetch a new one and try once more.
TOKEN_ERRORS = {40001, 40014, 42001}
TOKEN_KEY = "access_token"
TOKEN_LOCK_KEY = "access_token:lock"


#: A URL's query string inside an error's text: from "?" to the next space or quote (linear time).
_QUERY = re.compile(r"\?[^\s'\"<>]*")


def _masked(error: Exception, params: dict[str, str]) -> str:
    """``error`` as text without query strings, and with every query value (raw or URL-encoded)
    that still appears replaced by ``***``."""
    text = _QUERY.sub("", f"{type(error).__name__}: {error}")
    for value in params.values():
        for form in {value, quote(value, safe=""), quote_plus(value)}:
            if form:
                text = text.replace(form, "***")
    return text


class CustomerServiceAPI:
    def __init__(self, appid: str, secret: str, store: Store, api_base: str = DEFAULT_API_BASE,
                 timeout: float = 5.0) -> None:
        self.appid = appid
        self.secret = secret
        self.store = store
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._refreshing: asyncio.Lock | None = None

    @property
    def configured(self) -> bool:
        return bool(self.appid and self.secret)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _call(self, method: str, path: str, *, params: dict[str, str], body: dict | None = None) -> dict | None:
        """One API call; the JSON answer, or None after logging what went wrong."""
        url = f"{self.api_base}{path}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else None
        try:
            async with self._http().request(method, url, params=params, data=data, headers=headers) as r:
                text = await r.text(encoding="utf-8")
                if r.status != 200:
                    logger.error("WeChat API %s answered HTTP %s", path, r.status)
                    return None
            answer = json.loads(text)
            if not isinstance(answer, dict):
                raise ValueError("not a JSON object")
            return answer
        except asyncio.TimeoutError:
            logger.error("WeChat API %s timed out after %ss", path, self.timeout.total)
        except (aiohttp.ClientError, OSError) as e:
            logger.error("WeChat API %s unreachable: %s", path, _masked(e, params))
        except ValueError as e:
            logger.error("WeChat API %s answered something that is not JSON: %s", path, e)
        return None

    async def _fetch_token(self) -> str | None:
        answer = await self._call("GET", "/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        if not answer:
            return None
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not token:
            logger.error("WeChat access token refused: errcode %s %s", answer.get("errcode"), answer.get("errmsg"))
            return None
        try:
            ttl = max(int(expires_in) - TOKEN_MARGIN, 30)
        except (TypeError, ValueError):
            ttl = 7200 - TOKEN_MARGIN
        await self.store.set(TOKEN_KEY, token, ttl)
        logger.info("WeChat access token fetched, cached for %ss", ttl)
        return token

    async def access_token(self, refresh: bool = False, stale: str | None = None) -> str | None:
        """The cached token, fetched when missing; with ``refresh`` a new one unless another caller
        already replaced ``stale``."""
        if not refresh:
            cached = await self.store.get(TOKEN_KEY)
            if cached:
                return cached
        if self._refreshing is None:
            self._refreshing = asyncio.Lock()
        async with self._refreshing:  # one fetch per worker at a time
            cached = await self.store.get(TOKEN_KEY)
            if cached and cached != stale:
                return cached
            # one fetch across workers: the others wait briefly for the token it stores
            me = uuid.uuid4().hex
            if not await self.store.add(TOKEN_LOCK_KEY, me, ttl=self.timeout.total + 2):
                deadline = time.monotonic() + self.timeout.total + 2
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                    cached = await self.store.get(TOKEN_KEY)
                    if cached and cached != stale:
                        return cached
                logger.warning("no access token from the worker holding the refresh lock; fetching here")
            try:
                return await self._fetch_token()
            finally:
                if await self.store.get(TOKEN_LOCK_KEY) == me:
                    await self.store.delete(TOKEN_LOCK_KEY)

    async def send_text(self, openid: str, content: str) -> bool:
        """Send ``content`` to ``openid``; True when the platform accepted it."""
        if not self.configured:
            logger.error("a late answer cannot be sent: WECHAT_APPID / WECHAT_APPSECRET are not set")
            return False
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        token = await self.access_token()
        for attempt in (1, 2):
            if not token:
                return False
            answer = await self._call("POST", "/cgi-bin/message/custom/send", params={"access_token": token}, body=body)
            if answer is None:
                return False
            code = answer.get("errcode", 0)
            if code == 0:
                return True
            if code in TOKEN_ERRORS and attempt == 1:
                logger.warning("WeChat access token rejected (errcode %s); fetching a new one", code)
                token = await self.access_token(refresh=True, stale=token)
                continue
            logger.error("customer-service message refused: errcode %s %s", code, answer.get("errmsg"))
            return False
        return False
