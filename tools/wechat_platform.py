"""A stand-in for the WeChat platform's side of the Official Account message push.

It does what the platform does, written from the protocol description and independently of wechatpy
(which the channel uses), and is checked against the platform's published sample vectors in
``tests/wechat/test_wechat_protocol.py``:

* the URL check: ``GET url?signature&timestamp&nonce&echostr``, signature = SHA-1 of the sorted,
  concatenated ``[token, timestamp, nonce]``;
* a push: ``POST url?signature&timestamp&nonce&openid`` with the message XML; in safe mode the body is
  ``<xml><ToUserName/><Encrypt/></xml>`` and the URL adds ``encrypt_type=aes&msg_signature``
  (SHA-1 of sorted ``[token, timestamp, nonce, Encrypt]``); compatible mode sends the plaintext
  fields and ``Encrypt`` together;
* Encrypt = base64(AES-256-CBC(key, iv=key[:16], PKCS#7 to 32 bytes of
  16 random bytes + 4-byte big-endian length + XML + AppID)), key = base64decode(EncodingAESKey + "=");
* it waits ``timeout`` seconds (5 on the platform) for the answer and otherwise drops the connection
  and delivers the same message again, ``tries`` times in all;
* an answer ``success`` or empty shows nothing; an XML text reply (in safe mode encrypted, with its
  MsgSignature checked) is what the user sees; anything else is an error, which the platform shows
  as "该公众号暂时无法提供服务，请稍后再试".

Not checked against the real platform (no account here): whether a retry reuses the first try's
timestamp and nonce (this one signs each try afresh), and whether an HTTP error status triggers a
retry (this one retries it like a timeout).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import random
import string
import struct
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SERVICE_UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"
BLOCK = 32


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


class PlatformCrypto:
    def __init__(self, aes_key: str, appid: str) -> None:
        self.key = base64.b64decode(aes_key + "=")
        if len(self.key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self.appid = appid

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml: str, random16: bytes | None = None) -> str:
        random16 = random16 if random16 is not None else os.urandom(16)
        body = xml.encode("utf-8")
        plain = random16 + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8")
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        enc = self._cipher().encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> tuple[str, str]:
        """(xml, appid) of an Encrypt value."""
        dec = self._cipher().decryptor()
        plain = dec.update(base64.b64decode(encrypted)) + dec.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise ValueError("bad PKCS#7 padding")
        plain = plain[16:-pad]
        (length,) = struct.unpack(">I", plain[:4])
        return plain[4:4 + length].decode("utf-8"), plain[4 + length:].decode("utf-8")


def message_xml(fields: dict[str, object]) -> str:
    """The platform's XML: text in CDATA, numbers bare."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, int):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def _nonce() -> str:
    return "".join(random.choices(string.digits, k=10))


@dataclass
class Attempt:
    status: int | None  # None: the platform gave up waiting
    body: str
    seconds: float


@dataclass
class Delivery:
    """One message pushed to the account, with its tries and what the user saw."""

    fields: dict[str, object]
    attempts: list[Attempt] = field(default_factory=list)
    reply: str | None = None  # the text the user saw as the passive reply
    error: str | None = None  # set when the platform would have shown SERVICE_UNAVAILABLE
    reply_xml: str | None = None

    @property
    def tries(self) -> int:
        return len(self.attempts)


class WeChatPlatform:
    """Pushes messages to one or more server URLs (several: a load balancer in front of workers)."""

    def __init__(self, urls: str | list[str], token: str, appid: str = "", aes_key: str = "", mode: str = "plain",
                 account: str = "gh_0a1b2c3d4e5f", timeout: float = 5.0, tries: int = 3) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.token = token
        self.appid = appid
        self.mode = mode
        self.account = account
        self.timeout = timeout
        self.tries = tries
        self.crypto = PlatformCrypto(aes_key, appid) if mode != "plain" else None
        self._ids = itertools.count(int(time.time() * 1000) * 1000 + random.randrange(1000))
        self.http = requests.Session()

    # ------------------------------------------------------------ URL check

    def verify(self, echostr: str = "shr5ch", signature: str | None = None, url: int = 0,
               timestamp: int | None = None) -> requests.Response:
        ts, nonce = str(int(time.time()) if timestamp is None else timestamp), _nonce()
        params = {"timestamp": ts, "nonce": nonce, "echostr": echostr,
                  "signature": signature if signature is not None else sha1_signature(self.token, ts, nonce)}
        return self.http.get(self.urls[url], params=params, timeout=self.timeout)

    # ---------------------------------------------------------------- pushes

    def new_msg_id(self) -> int:
        return next(self._ids)

    def fields(self, openid: str, msg_type: str, **extra: object) -> dict[str, object]:
        f: dict[str, object] = {"ToUserName": self.account, "FromUserName": openid,
                                "CreateTime": int(time.time()), "MsgType": msg_type}
        f.update(extra)
        if msg_type != "event" and "MsgId" not in f:
            f["MsgId"] = self.new_msg_id()
        return f

    def request(self, fields: dict[str, object], *, forge: str | None = None, timestamp: int | None = None,
                nonce: str | None = None) -> tuple[dict[str, str], bytes]:
        """Query and body of one try, signed (and encrypted) as the platform does.

        ``forge``: ``signature`` (wrong URL signature), ``no_signature``, ``msg_signature`` (wrong body
        signature), ``appid`` (encrypted for another account), ``plain`` (plaintext in safe mode).
        ``timestamp`` and ``nonce`` replace the current time and a fresh nonce (a replayed signature).
        """
        xml = message_xml(fields)
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = _nonce() if nonce is None else nonce
        params = {"signature": sha1_signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
                  "openid": str(fields["FromUserName"])}
        if forge == "signature":
            params["signature"] = sha1_signature("not-the-token", ts, nonce)
        if forge == "no_signature":
            del params["signature"]
        if self.crypto is None or forge == "plain":
            return params, xml.encode("utf-8")
        crypto = PlatformCrypto(base64.b64encode(self.crypto.key).decode()[:-1], "wx_someone_else") \
            if forge == "appid" else self.crypto
        encrypted = crypto.encrypt(xml)
        params["encrypt_type"] = "aes"
        params["msg_signature"] = sha1_signature(self.token, ts, nonce, encrypted)
        if forge == "msg_signature":
            params["msg_signature"] = sha1_signature(self.token, ts, nonce, encrypted + "x")
        head = f"<ToUserName><![CDATA[{fields['ToUserName']}]]></ToUserName>"
        if self.mode == "compat":  # plaintext fields as well as the ciphertext
            head = xml[len("<xml>"):-len("</xml>")]
        return params, f"<xml>{head}<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()

    def push(self, fields: dict[str, object], *, tries: int | None = None, url: int = 0,
             forge: str | None = None) -> Delivery:
        """Deliver one message like the platform: retry on timeout, ``tries`` times in all; the
        ``url`` of each try goes round the list from ``url``."""
        delivery = Delivery(fields)
        for n in range(tries or self.tries):
            params, body = self.request(fields, forge=forge)
            target = self.urls[(url + n) % len(self.urls)]
            start = time.monotonic()
            try:
                r = self.http.post(target, params=params, data=body, timeout=(self.timeout, self.timeout),
                                   headers={"Content-Type": "text/xml"})
            except requests.Timeout:
                delivery.attempts.append(Attempt(None, "", time.monotonic() - start))
                continue
            delivery.attempts.append(Attempt(r.status_code, r.text, time.monotonic() - start))
            if r.status_code != 200:
                delivery.error = f"HTTP {r.status_code}"
                continue
            delivery.error = None
            self._read_reply(delivery, r.content, fields)
            return delivery
        delivery.error = delivery.error or "no answer in time"
        return delivery

    def _read_reply(self, delivery: Delivery, raw: bytes, fields: dict[str, object]) -> None:
        text = raw.decode("utf-8")
        if text.strip() in ("", "success"):
            return
        try:
            root = ET.fromstring(text)
            if self.crypto is not None and root.find("Encrypt") is not None:
                enc = root.findtext("Encrypt") or ""
                sig = sha1_signature(self.token, root.findtext("TimeStamp") or "", root.findtext("Nonce") or "", enc)
                if sig != root.findtext("MsgSignature"):
                    raise ValueError("reply MsgSignature does not match")
                xml, appid = self.crypto.decrypt(enc)
                if appid != self.appid:
                    raise ValueError(f"reply encrypted for {appid}")
                root = ET.fromstring(xml)
                text = xml
            elif self.mode == "safe":
                raise ValueError("plaintext reply in safe mode")
            if root.findtext("ToUserName") != fields["FromUserName"] or root.findtext("FromUserName") != fields["ToUserName"]:
                raise ValueError("reply addressed to someone else")
            if root.findtext("MsgType") != "text":
                raise ValueError(f"unexpected reply type {root.findtext('MsgType')}")
            content = root.findtext("Content") or ""
            if len(content.encode("utf-8")) > 2048:
                raise ValueError(f"reply of {len(content.encode('utf-8'))} bytes exceeds 2048")
            int(root.findtext("CreateTime") or "x")
        except (ET.ParseError, ValueError) as e:
            delivery.error = f"{SERVICE_UNAVAILABLE} ({e})"
            return
        delivery.reply = content
        delivery.reply_xml = text

    # --------------------------------------------------------- conveniences

    def text(self, openid: str, content: str, **kw: object) -> Delivery:
        return self.push(self.fields(openid, "text", Content=content), **kw)

    def event(self, openid: str, event: str, **kw: object) -> Delivery:
        return self.push(self.fields(openid, "event", Event=event), **kw)
