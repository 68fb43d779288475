"""Custom Rasa input channels.

* :mod:`bot.channels.wechat` - WeChat Official Account message push (``/webhooks/wechat/webhook``),
  loaded from ``credentials.yml`` as ``bot.channels.wechat.WeChatInput``; see ``WECHAT.md``.
"""
