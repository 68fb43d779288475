"""The Official Account message-push protocol: signatures, safe-mode crypto, passive replies.

Thin wrappers over wechatpy (the maintained implementation) so the channel reads as the protocol:

* ``timestamp`` must be within :data:`FRESHNESS_S` (5 minutes) of this server's clock, checked first,
  before any work: a signature over ``[token, timestamp, nonce]`` never expires by itself, so without
  this one logged push URL (plain mode signs no body) would be a permanent pass.
* ``signature`` = SHA-1 of the sorted, concatenated ``[token, timestamp, nonce]`` (URL check and
  every push); in safe mode also ``msg_signature`` = SHA-1 of sorted ``[token, timestamp, nonce,
  Encrypt]``. Compared in constant time.
* safe mode: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = first 16 key bytes, PKCS#7 to 32
  bytes, plaintext = 16 random bytes + 4-byte big-endian length + XML + AppID (wechatpy.crypto).
* a passive text reply is the ``<xml>`` text message, encrypted and signed again in safe mode;
  ``success`` tells the platform there is nothing to show and nothing to retry.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

SUCCESS = "success"
MODES = ("plain", "compat", "safe")
#: Without a setting the channel expects safe mode, the production one: plaintext must be asked for.
DEFAULT_MODE = "safe"
#: A push or URL check whose timestamp is further than this from now (either way) is refused.
FRESHNESS_S = 300
_MODE_ALIASES = {"": DEFAULT_MODE, "plaintext": "plain", "明文": "plain", "compatible": "compat", "兼容": "compat",
                 "aes": "safe", "secure": "safe", "安全": "safe"}


class Forbidden(Exception):
    """The request is not from the platform (bad or missing signature, wrong AppID, wrong mode)."""


class Malformed(Exception):
    """Signed correctly but unreadable."""


def normalize_mode(mode: str | None) -> str:
    m = (mode or "").strip().lower()
    m = _MODE_ALIASES.get(m, m)
    if m not in MODES:
        raise ValueError(f"WeChat mode must be one of {MODES}, got {mode!r}")
    return m


def check_fresh(timestamp: str | None, now: float | None = None) -> int:
    """The push's timestamp as an int; :class:`Forbidden` when missing or more than 5 minutes off."""
    try:
        ts = int(timestamp or "")
    except ValueError:
        raise Forbidden("missing or malformed timestamp") from None
    skew = (time.time() if now is None else now) - ts
    if abs(skew) > FRESHNESS_S:
        raise Forbidden(f"timestamp {skew:+.0f} s from now, outside the {FRESHNESS_S} s window")
    return ts


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signature_ok(expected_from_platform: str | None, *parts: str | None) -> bool:
    if not expected_from_platform or any(p is None for p in parts):
        return False
    return hmac.compare_digest(sign(*parts).encode(), expected_from_platform.strip().lower().encode())


_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def cdata_safe(text: str) -> str:
    """Text that cannot break out of the reply's CDATA section or the XML."""
    return _XML_INVALID.sub("", text).replace("]]>", "]]]]><![CDATA[>")


@dataclass(frozen=True)
class Incoming:
    message: BaseMessage
    encrypted: bool
    nonce: str
    xml: str  #: the message as read: the body, or in safe mode the decrypted XML
    timestamp: int


class Protocol:
    def __init__(self, token: str, appid: str = "", aes_key: str = "", mode: str = DEFAULT_MODE) -> None:
        self.token = token
        self.appid = appid
        self.mode = normalize_mode(mode)
        self.crypto = None
        if self.mode != "plain":
            if len(aes_key or "") != 43:
                raise ValueError("safe and compatible modes need the 43-character EncodingAESKey")
            if not appid:
                raise ValueError("safe and compatible modes need the AppID")
            self.crypto = WeChatCrypto(token, aes_key, appid)

    def check(self, args: dict[str, str | None], now: float | None = None) -> int:
        """The timestamp's age, then the URL signature every request carries; the timestamp, or
        :class:`Forbidden`."""
        ts = check_fresh(args.get("timestamp"), now)
        if not signature_ok(args.get("signature"), self.token, args.get("timestamp"), args.get("nonce")):
            raise Forbidden("bad or missing signature")
        return ts

    def verify_url(self, args: dict[str, str | None], now: float | None = None) -> str:
        """GET check when the URL is saved in the admin console: the echostr back, unchanged."""
        self.check(args, now)
        echostr = args.get("echostr")
        if echostr is None:
            raise Malformed("no echostr")
        return echostr

    def receive(self, args: dict[str, str | None], body: bytes, now: float | None = None) -> Incoming:
        """Check, decrypt (safe/compatible mode) and parse one push."""
        timestamp = self.check(args, now)
        nonce = args.get("nonce") or ""
        encrypted = (args.get("encrypt_type") or "raw").lower() == "aes"
        if encrypted:
            if self.crypto is None:
                raise Forbidden("encrypted push but the channel is configured for plaintext")
            xml = self._decrypt(args, body)
        else:
            if self.mode == "safe":
                raise Forbidden("plaintext push but the channel is configured for safe mode")
            xml = body.decode("utf-8", errors="replace")  # a broken byte costs a character, not the message
        try:
            # control characters XML 1.0 forbids (a NUL in a user's text) would fail the whole parse:
            # drop them here, the user's text is cleaned again before the assistant sees it
            message = parse_message(_XML_INVALID.sub("", xml))
        except Exception as e:  # noqa: BLE001 - xmltodict/expat raise many kinds
            raise Malformed(f"unreadable XML: {e}") from None
        if message is None:
            raise Malformed("empty body")
        if not message.source or not message.target:
            raise Malformed("no FromUserName or ToUserName")
        return Incoming(message, encrypted, nonce, xml, timestamp)

    def _decrypt(self, args: dict[str, str | None], body: bytes) -> str:
        import xmltodict

        try:
            encrypt = xmltodict.parse(body.decode("utf-8"))["xml"]["Encrypt"]
        except Exception as e:  # noqa: BLE001
            raise Malformed(f"no Encrypt element: {e}") from None
        ts, nonce = args.get("timestamp"), args.get("nonce")
        if not signature_ok(args.get("msg_signature"), self.token, ts, nonce, encrypt):
            raise Forbidden("bad or missing msg_signature")
        try:
            return self.crypto.decrypt_message({"Encrypt": encrypt}, args["msg_signature"], ts, nonce)
        except (InvalidSignatureException, InvalidAppIdException) as e:
            raise Forbidden(type(e).__name__) from None
        except Exception as e:  # noqa: BLE001 - bad base64, padding or length
            raise Malformed(f"cannot decrypt: {e}") from None

    def reply(self, incoming: Incoming, content: str, now: int | None = None) -> str:
        """The passive text reply to ``incoming``: XML, encrypted when the push was."""
        msg = incoming.message
        xml = TextReply(source=msg.target, target=msg.source, content=cdata_safe(content),
                        time=now or int(time.time())).render()
        if incoming.encrypted:
            return self.crypto.encrypt_message(xml, incoming.nonce, str(now or int(time.time())))
        return xml
