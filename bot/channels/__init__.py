"""Custom Rasa input channels, loaded from ``credentials.yml`` by their class path.

* :mod:`bot.channels.safe_rest` - Rasa's REST channel that never answers with silence.
* :mod:`bot.channels.wechat` - WeChat Official Account message push (``/webhooks/wechat/webhook``),
  ``bot.channels.wechat.WeChatInput``; see the WeChat section of the README.

Rasa plugins: they run inside the Rasa server. May import: ``rasa``, ``sanic``, ``aiohttp``, the
libraries (``lexicon``, ``i18n``, ``policy_kb``, ``appointments``, ``registry``, ``ratelimit``), the
shared modules at the top of ``bot`` (metrics) and the web front's catalogue (``bot.web.texts``, the
words the REST channel says to bad input); never ``actions``, ``bot.cli`` or ``rasa_sdk``.
"""
