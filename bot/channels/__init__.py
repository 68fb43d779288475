"""Custom Rasa input channels, loaded from ``credentials.yml`` by their class path.

* :mod:`bot.channels.safe_rest` - Rasa's REST channel that never answers with silence.
* :mod:`bot.channels.wechat` - WeChat Official Account message push (``/webhooks/wechat/webhook``),
  ``bot.channels.wechat.WeChatInput``; see the WeChat section of the README.
"""
