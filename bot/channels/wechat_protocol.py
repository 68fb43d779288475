"""The Official Account message-push protocol: signatures, safe-mode crypto, passive replies.

Thin wrappers over wechatpy (the maintained implementation) so the channel reads as the protocol:

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
_MODE_ALIASES = {"": "plain", "plaintext": "plain", "明文": "plain", "compatible": "compat", "兼容": "compat",
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
    xml: str


class Protocol:
    def __init__(self, token: str, appid: str = "", aes_key: str = "", mode: str = "plain") -> None:
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

    def check(self, args: dict[str, str | None]) -> None:
        """The URL signature every request carries; raises :class:`Forbidden`."""
        if not signature_ok(args.get("signature"), self.token, args.get("timestamp"), args.get("nonce")):
            raise Forbidden("bad or missing signature")

    def verify_url(self, args: dict[str, str | None]) -> str:
        """GET check when the URL is saved in the admin console: the echostr back, unchanged."""
        self.check(args)
        echostr = args.get("echostr")
        if echostr is None:
            raise Malformed("no echostr")
        return echostr

    def receive(self, args: dict[str, str | None], body: bytes) -> Incoming:
        """Check, decrypt (safe/compatible mode) and parse one push."""
        self.check(args)
        nonce = args.get("nonce") or ""
        encrypted = (args.get("encrypt_type") or "raw").lower() == "aes"
        if encrypted:
            if self.crypto is None:
                raise Forbidden("encrypted push but the channel is configured for plaintext")
            xml = self._decrypt(args, body)
        else:
            if self.mode == "safe":
                raise Forbidden("plaintext push but the channel is configured for safe mode")
            try:
                xml = body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise Malformed(str(e)) from None
        try:
            message = parse_message(xml)
        except Exception as e:  # noqa: BLE001 - xmltodict/expat raise many kinds
            raise Malformed(f"unreadable XML: {e}") from None
        if message is None:
            raise Malformed("empty body")
        if not message.source or not message.target:
            raise Malformed("no FromUserName or ToUserName")
        return Incoming(message, encrypted, nonce, xml)

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
