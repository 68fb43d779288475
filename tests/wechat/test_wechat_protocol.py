"""Signatures and safe-mode crypto, checked against the platform's published sample.

The sample is the one shipped with the platform's message-encryption sample code (WXBizMsgCrypt,
token ``spamtest``, EncodingAESKey ``abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG``, AppID
``wx2c2769f8efd9abc2``), reproduced in many SDKs' tests. The simulator's crypto is written
independently of wechatpy; both are held to the sample byte for byte.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.channels.wechat_protocol import (
    Forbidden,
    Malformed,
    Protocol,
    cdata_safe,
    check_fresh,
    normalize_mode,
    sign,
    signature_ok,
)
from tools.wechat_platform import PlatformCrypto, WeChatPlatform, message_xml, sha1_signature

PUB_TOKEN = "spamtest"
PUB_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
PUB_APPID = "wx2c2769f8efd9abc2"
PUB_TIMESTAMP = "1409735669"
PUB_NONCE = "1320562132"
PUB_SIGNATURE = "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"
PUB_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
PUB_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2L"
    "dJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5"
    "VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpX"
    "gCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu"
    "9GhglF2PE="
)
PUB_XML = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n"
    "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n"
    "<CreateTime>1409735668</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[abcdteT]]></Content>\n"
    "<MsgId>6054768590064713728</MsgId>\n"
    "</xml>"
)
#: The 16 random bytes the sample's sender chose (read from decrypting the sample).
PUB_RANDOM = b"89465c840c5f116f"


def test_url_signature_matches_the_published_sample() -> None:
    assert sha1_signature(PUB_TOKEN, PUB_TIMESTAMP, PUB_NONCE) == PUB_SIGNATURE
    assert sign(PUB_TOKEN, PUB_TIMESTAMP, PUB_NONCE) == PUB_SIGNATURE
    assert signature_ok(PUB_SIGNATURE, PUB_TOKEN, PUB_TIMESTAMP, PUB_NONCE)


def test_msg_signature_matches_the_published_sample() -> None:
    assert sha1_signature(PUB_TOKEN, PUB_TIMESTAMP, PUB_NONCE, PUB_ENCRYPT) == PUB_MSG_SIGNATURE
    assert signature_ok(PUB_MSG_SIGNATURE, PUB_TOKEN, PUB_TIMESTAMP, PUB_NONCE, PUB_ENCRYPT)


@pytest.mark.parametrize("given, parts", [
    (None, (PUB_TOKEN, PUB_TIMESTAMP, PUB_NONCE)),
    ("", (PUB_TOKEN, PUB_TIMESTAMP, PUB_NONCE)),
    (PUB_SIGNATURE, ("other-token", PUB_TIMESTAMP, PUB_NONCE)),
    (PUB_SIGNATURE, (PUB_TOKEN, "1409735670", PUB_NONCE)),
    (PUB_SIGNATURE, (PUB_TOKEN, None, PUB_NONCE)),
    (PUB_SIGNATURE[:-1] + "0", (PUB_TOKEN, PUB_TIMESTAMP, PUB_NONCE)),
])
def test_signature_rejects_forged_or_missing_parts(given: str | None, parts: tuple) -> None:
    assert not signature_ok(given, *parts)


def test_simulator_encrypts_exactly_like_the_published_sample() -> None:
    crypto = PlatformCrypto(PUB_AES_KEY, PUB_APPID)
    assert crypto.encrypt(PUB_XML, random16=PUB_RANDOM) == PUB_ENCRYPT
    assert crypto.decrypt(PUB_ENCRYPT) == (PUB_XML, PUB_APPID)


def test_channel_reads_the_published_encrypted_push() -> None:
    protocol = Protocol(PUB_TOKEN, PUB_APPID, PUB_AES_KEY, "safe")
    args = {"signature": PUB_SIGNATURE, "timestamp": PUB_TIMESTAMP, "nonce": PUB_NONCE, "encrypt_type": "aes",
            "msg_signature": PUB_MSG_SIGNATURE, "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs"}
    body = f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[{PUB_ENCRYPT}]]></Encrypt></xml>"
    incoming = protocol.receive(args, body.encode(), now=int(PUB_TIMESTAMP) + 1)
    assert incoming.encrypted and incoming.timestamp == int(PUB_TIMESTAMP)
    msg = incoming.message
    assert (msg.type, msg.content, msg.source, msg.target, msg.id) == (
        "text", "abcdteT", "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "gh_10f6c3c3ac5a", 6054768590064713728)


def _platform(mode: str = "safe") -> WeChatPlatform:
    return WeChatPlatform("http://unused", PUB_TOKEN, PUB_APPID, PUB_AES_KEY, mode=mode)


def _receive(protocol: Protocol, platform: WeChatPlatform, fields: dict, forge: str | None = None):
    params, body = platform.request(fields, forge=forge)
    return protocol.receive(params, body)


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
def test_simulator_push_and_channel_reply_round_trip(mode: str) -> None:
    protocol = Protocol(PUB_TOKEN, PUB_APPID, PUB_AES_KEY, mode)
    platform = _platform(mode)
    fields = platform.fields("oUser123", "text", Content="绿卡有什么用？😀")
    incoming = _receive(protocol, platform, fields)
    assert incoming.encrypted == (mode != "plain")
    assert incoming.message.content == "绿卡有什么用？😀"
    content = "您好]]>世界 😀 <b>&amp;"
    reply = protocol.reply(incoming, content).encode()
    from tools.wechat_platform import Delivery

    delivery = Delivery(fields)
    platform._read_reply(delivery, reply, fields)
    assert delivery.error is None, delivery.error
    assert delivery.reply == content
    if mode != "plain":
        assert ET.fromstring(reply).find("Encrypt") is not None


@pytest.mark.parametrize("forge", ["signature", "no_signature", "msg_signature", "appid", "plain"])
def test_forged_pushes_are_forbidden_in_safe_mode(forge: str) -> None:
    protocol = Protocol(PUB_TOKEN, PUB_APPID, PUB_AES_KEY, "safe")
    platform = _platform("safe")
    with pytest.raises(Forbidden):
        _receive(protocol, platform, platform.fields("oUser", "text", Content="hi"), forge=forge)


def test_encrypted_push_to_a_plaintext_channel_is_forbidden() -> None:
    platform = _platform("safe")
    with pytest.raises(Forbidden):
        _receive(Protocol(PUB_TOKEN, mode="plain"), platform, platform.fields("oUser", "text", Content="hi"))


def test_tampered_ciphertext_is_forbidden() -> None:
    protocol = Protocol(PUB_TOKEN, PUB_APPID, PUB_AES_KEY, "safe")
    platform = _platform("safe")
    params, body = platform.request(platform.fields("oUser", "text", Content="hi"))
    body = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
    with pytest.raises(Forbidden):
        protocol.receive(params, body)


def test_signed_garbage_is_malformed_not_a_crash() -> None:
    protocol = Protocol(PUB_TOKEN, mode="plain")
    params, _ = _platform("plain").request({"ToUserName": "gh", "FromUserName": "o", "CreateTime": 1, "MsgType": "text"})
    for body in (b"", b"not xml", b"<xml><MsgType>", b"\xff\xfe"):
        with pytest.raises(Malformed):
            protocol.receive(params, body)


def test_url_check_echoes_echostr() -> None:
    protocol = Protocol(PUB_TOKEN, mode="plain")
    args = {"signature": PUB_SIGNATURE, "timestamp": PUB_TIMESTAMP, "nonce": PUB_NONCE, "echostr": "shr5ch"}
    assert protocol.verify_url(args, now=int(PUB_TIMESTAMP)) == "shr5ch"
    with pytest.raises(Forbidden):
        protocol.verify_url({**args, "signature": "0" * 40}, now=int(PUB_TIMESTAMP))


@pytest.mark.parametrize("skew, fresh", [(0, True), (-300, True), (300, True), (-301, False), (301, False),
                                         (-10**9, False)])
def test_a_signature_is_good_for_five_minutes_either_way(skew: int, fresh: bool) -> None:
    protocol = Protocol(PUB_TOKEN, mode="plain")
    args = {"signature": PUB_SIGNATURE, "timestamp": PUB_TIMESTAMP, "nonce": PUB_NONCE, "echostr": "e"}
    now = int(PUB_TIMESTAMP) - skew
    if fresh:
        assert protocol.verify_url(args, now=now) == "e"
    else:
        with pytest.raises(Forbidden, match="window"):
            protocol.verify_url(args, now=now)


@pytest.mark.parametrize("timestamp", [None, "", "abc", "1e9", "9" * 5000])
def test_a_missing_or_malformed_timestamp_is_forbidden(timestamp: str | None) -> None:
    with pytest.raises(Forbidden, match="timestamp"):
        check_fresh(timestamp)


def test_plain_reply_is_the_platform_text_xml() -> None:
    protocol = Protocol(PUB_TOKEN, mode="plain")
    platform = _platform("plain")
    fields = platform.fields("oUser", "text", Content="hi")
    reply = protocol.reply(_receive(protocol, platform, fields), "你好", now=1700000000)
    root = ET.fromstring(reply)
    assert {c.tag: c.text for c in root} == {"MsgType": "text", "FromUserName": platform.account,
                                            "ToUserName": "oUser", "CreateTime": "1700000000", "Content": "你好"}


def test_cdata_safe_keeps_text_and_drops_invalid_xml_characters() -> None:
    assert ET.fromstring(message_xml({"C": cdata_safe("a]]>b\x00\x07c")})).findtext("C") == "a]]>bc"


def test_modes_and_configuration_errors() -> None:
    assert [normalize_mode(m) for m in ("", None, "plain", "明文", "compat", "兼容", "safe", "AES", "安全")] == [
        "safe", "safe", "plain", "plain", "compat", "compat", "safe", "safe", "safe"]  # safe unless told
    with pytest.raises(ValueError, match="EncodingAESKey"):
        Protocol("t", PUB_APPID)  # the default mode needs the key: plaintext is never a silent fallback
    with pytest.raises(ValueError):
        normalize_mode("encrypted")
    with pytest.raises(ValueError):
        Protocol("t", PUB_APPID, "short", "safe")
    with pytest.raises(ValueError):
        Protocol("t", "", PUB_AES_KEY, "safe")
