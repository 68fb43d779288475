"""The browser and WeChat fixtures this package shares with tests/web and tests/wechat, by name."""

from tests.web.conftest import browser, open_page  # noqa: F401
from tests.wechat.conftest import fake_api, loop_thread, make_server, tracker_path  # noqa: F401
