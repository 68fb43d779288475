"""The register's browser test uses the shared Chromium fixtures, scoped to this package (Playwright's sync
API keeps an event loop running until its fixture stops: a session-wide one would break every later
``asyncio.run()``)."""

from tests.support.browser import browser, open_page  # noqa: F401 - fixtures, scoped to this package
