"""Fixtures for the web front: web processes on free ports against a stub Rasa, and Chromium.

The whole stack is the session's (``stack``, :mod:`tests.support.fixtures`), its web front started with
``STAFF_TOKEN`` set. The browser fixtures (``browser``, ``open_page``) are :mod:`tests.support.browser`'s. Screenshots go to
``test-results/screenshots/`` and service logs to ``test-results/logs/`` (:mod:`tests.support.web`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import browser, open_page  # noqa: F401 - fixtures, scoped to this package
from tests.support.net import free_port
from tests.support.web import STAFF_TOKEN, StubRasa, build_kb, web_process


@pytest.fixture(scope="module")
def dead_rasa_url() -> str:
    """A port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def web_without_staff(dead_rasa_url: str) -> Iterator[str]:
    """A web process with no STAFF_TOKEN whose Rasa cannot be reached."""
    with web_process(dead_rasa_url, None, name="web-nostaff") as web:
        yield web.url


@pytest.fixture(scope="module")
def web_with_staff(stub_rasa: StubRasa) -> Iterator[str]:
    """A web process with STAFF_TOKEN, a 1-second chat timeout, talking to the stub Rasa."""
    build_kb()
    with web_process(stub_rasa.url, STAFF_TOKEN, "--timeout", "1", name="web-staff",
                     env={"WEB_RATE_LIMIT": "1000"}) as web:
        yield web.url
