"""The staff's register pages: who signed up to the 外籍晋商晋才 register and wants to be contacted.

Routes (:func:`register`, called by :func:`bot.web.app.create_app`), all behind the staff token like
the FAQ pages (404 without ``STAFF_TOKEN``; the API needs ``Authorization: Bearer <token>``):

* ``GET /staff/registrations`` the page, ``/staff/registry.js`` and ``/staff/registry.css`` its script and
  style (the token comes from the FAQ page's sign-in, kept in this tab's ``sessionStorage``);
* ``GET /api/staff/registrations?city=&country=&interest=`` newest first, contacts masked, with the
  filter choices (cities, the countries present, the interests);
* ``GET /api/staff/registrations/<ref>`` one in full (the contact too);
* ``POST /api/staff/registrations/<ref>/contacted`` ``{"contacted": true|false}``;
* ``GET /api/staff/registrations.csv?city=&country=&interest=`` the CSV download.

Every call is written to the register's audit trail and logged (action, reference, row count, filters),
never with a personal field; openids are not stored, staff see the reference. The database is
synchronous (SQLAlchemy), so each call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from i18n import Catalogue
from registry.countries import country_name
from registry.fields import INTERESTS, interest_label
from registry.places import divisions
from registry.store import Filters, open_store

log = logging.getLogger("bot.web.registry")
STATIC_DIR = Path(__file__).resolve().parent / "static"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
texts = Catalogue(Path(__file__).with_name("registry_texts.yml"))
ACTOR = "staff-web"
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _error(status: int, code: str, **values: Any) -> web.Response:
    return web.json_response({"error": code, "message": texts.both(code, **values)}, status=status, dumps=_dumps)


def _json(body: Any) -> web.Response:
    return web.json_response(body, dumps=_dumps, headers={"Cache-Control": "no-store"})


def _lang(request: web.Request) -> str:
    return "en" if request.query.get("lang") == "en" else "zh"


def _filters(request: web.Request) -> Filters:
    q = request.query
    return Filters(city=q.get("city") or None, country=(q.get("country") or "").upper() or None,
                   interest=q.get("interest") or None)


async def _db(fn, *args, **kwargs) -> Any:
    return await asyncio.to_thread(fn, *args, **kwargs)


def _audit(action: str, **fields: Any) -> None:
    log.info("register %s by %s: %s", action, ACTOR, " ".join(f"{k}={v}" for k, v in fields.items()))


#: The page's own files, served under /staff/ (only while the staff pages are on).
FILES = {"registrations": ("registry.html", "text/html"), "registry.js": ("registry.js", "text/javascript"),
         "registry.css": ("registry.css", "text/css")}


def _choices(countries: list[str]) -> dict[str, Any]:
    both = ("zh", "en")
    return {
        "cities": [{"code": c.code, **{lang: c.name(lang) for lang in both}} for c in divisions().cities],
        "countries": [{"code": c, **{lang: country_name(c, lang) for lang in both}} for c in countries],
        "interests": [{"id": i, **{lang: interest_label(i, lang) for lang in both}} for i in INTERESTS],
    }


async def list_registrations(request: web.Request) -> web.Response:
    try:
        filters = _filters(request)
    except ValueError as e:
        return _error(400, "bad_filter", detail=str(e))
    lang = _lang(request)
    try:
        store = await _db(open_store)
        found = await _db(store.list, ACTOR, filters)
        countries = await _db(store.countries)
    except SQLAlchemyError:
        log.exception("listing registrations failed")
        return _error(503, "registry_unavailable")
    _audit("list", rows=len(found), filters=filters.describe() or "-")
    return _json({"registrations": [r.as_json(lang, masked=True) for r in found], **_choices(countries)})


async def show_registration(request: web.Request) -> web.Response:
    try:
        found = await _db((await _db(open_store)).get, request.match_info["ref"], ACTOR)
    except SQLAlchemyError:
        log.exception("reading a registration failed")
        return _error(503, "registry_unavailable")
    if found is None:
        return _error(404, "no_registration")
    _audit("view", ref=found.display_ref)
    return _json(found.as_json(_lang(request), masked=False))


async def mark_contacted(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "bad_request")
    if not isinstance(body, dict) or not isinstance(body.get("contacted", True), bool):
        return _error(400, "bad_request")
    contacted = body.get("contacted", True)
    try:
        store = await _db(open_store)
        found = await _db(store.mark_contacted, request.match_info["ref"], ACTOR, contacted)
    except SQLAlchemyError:
        log.exception("marking a registration failed")
        return _error(503, "registry_unavailable")
    if found is None:
        return _error(404, "no_registration")
    _audit("contacted" if contacted else "uncontacted", ref=found.display_ref)
    return _json(found.as_json(_lang(request), masked=True))


async def export_csv(request: web.Request) -> web.Response:
    try:
        filters = _filters(request)
    except ValueError as e:
        return _error(400, "bad_filter", detail=str(e))
    try:
        store = await _db(open_store)
        text = await _db(store.export_csv, ACTOR, filters, _lang(request))
    except SQLAlchemyError:
        log.exception("exporting registrations failed")
        return _error(503, "registry_unavailable")
    rows = text.count("\r\n") - 1
    _audit("export", rows=rows, filters=filters.describe() or "-")
    name = f"registrations-{dt.date.today().isoformat()}.csv"
    # a byte-order mark so spreadsheets read the Chinese as UTF-8
    return web.Response(body=("\ufeff" + text).encode("utf-8"), headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


def register(app: web.Application, staff_only: Callable[[Handler], Handler],
             pages_on: Callable[[web.Request], bool]) -> None:
    """The register's staff page and API (see the module docstring); ``staff_only`` is the web front's
    token check, ``pages_on`` whether the staff pages are on (a staff token is configured)."""

    async def static_file(request: web.Request) -> web.StreamResponse:
        if not pages_on(request):
            raise web.HTTPNotFound()
        name, content_type = FILES[request.path.rsplit("/", 1)[1]]
        return web.FileResponse(STATIC_DIR / name, headers={"Content-Type": f"{content_type}; charset=utf-8",
                                                           "Cache-Control": "no-cache"})

    for path in FILES:
        app.router.add_get(f"/staff/{path}", static_file)
    app.router.add_get("/api/staff/registrations", staff_only(list_registrations))
    app.router.add_get("/api/staff/registrations.csv", staff_only(export_csv))
    app.router.add_get("/api/staff/registrations/{ref}", staff_only(show_registration))
    app.router.add_post("/api/staff/registrations/{ref}/contacted", staff_only(mark_contacted))
