"""Headless Chromium for the browser tests: each package that has them imports these fixtures in its conftest,
so the browser is package-scoped there and stopped before the next package's tests call ``asyncio.run()``.

The tests drive Debian's Chromium (``/usr/bin/chromium``, installed by ``make chromium``:
``apt-get install -y chromium``) through Playwright's sync API. ``open_page`` gives each page a fresh
browser profile, so a fresh server-issued conversation id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.web import PageWatch

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="package")  # Playwright's sync API keeps an event loop running until it stops:
def browser():                     # stop it before other packages' tests call asyncio.run()
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def open_page(browser) -> Iterator[Callable]:
    """``open_page(url, locale="zh-CN", **context_options) -> (page, watch)``: a fresh browser profile each time
    (so a fresh conversation id)."""
    contexts = []

    def _open(url: str, locale: str = "zh-CN", **options):
        context = browser.new_context(locale=locale, **{"viewport": {"width": 1100, "height": 850}, **options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch = PageWatch()

        def on_dialog(dialog) -> None:
            watch.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        page.on("console", lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None)
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        return page, watch

    yield _open
    for c in contexts:
        c.close()
