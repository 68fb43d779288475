"""Developer tools run from the repository root: the dependency audit's verdict (``tools/audit.py``, run by
``make audit``), the set-up scripts, and the WeChat follower simulator (``python -m tools.wechat_try``) with
the platform stand-ins it drives (:mod:`tools.wechat_platform`, :mod:`tools.wechat_api_standin`), which the
WeChat tests use too. Nothing in ``bot/``, ``actions/`` or the libraries imports this package.
"""
