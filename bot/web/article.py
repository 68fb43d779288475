"""``GET /article/{1..25|closing}``: one article of the policy, as every cited answer's "查看原文 / Read the article".

A public, read-only page rendered on the server: the verbatim Chinese text and its English rendering
(``?lang=en`` puts the English first), the responsible units, and the way back to the chat. Everything
from the KB is HTML-escaped; the page loads only the site's own style sheet (the CSP allows no more). An
unknown article gets a polite 404 page in both languages. The KB is read from its database once per
process (:func:`policy_kb.db.open_kb`: no search index, no spaCy), in a worker thread.
"""

from __future__ import annotations

import asyncio
import html
from pathlib import Path

from aiohttp import web

from i18n import Catalogue
from policy_kb.citation import ArticleRef, article_name
from policy_kb.source import PolicySource
from policy_kb.unanswered import ref_from_label

_texts = Catalogue(Path(__file__).with_name("texts_article.yml"))
KB_SOURCE = web.AppKey("kb_source", asyncio.Future)
HTML_LANG = {"zh": "zh-CN", "en": "en"}


def texts(key: str, lang: str) -> str:
    """A text of the page's catalogue, escaped for HTML."""
    return html.escape(_texts(key, lang))


def _load() -> PolicySource:
    from policy_kb.db import open_kb

    return open_kb()


async def policy_source(app: web.Application) -> PolicySource:
    """The KB, read once (a failed read is tried again on the next request)."""
    loading = app.get(KB_SOURCE)
    if loading is None or (loading.done() and loading.exception() is not None):
        loading = asyncio.get_running_loop().run_in_executor(None, _load)
        app[KB_SOURCE] = loading
    return await asyncio.shield(loading)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def _page(lang: str, title: str, body: str, status: int = 200) -> web.Response:
    page = (
        f'<!doctype html>\n<html lang="{HTML_LANG[lang]}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light">\n'
        f'<title>{html.escape(title)}</title>\n<link rel="icon" href="data:,">\n<link rel="stylesheet" href="/static/style.css">\n'
        f'</head>\n<body class="article-page">\n<header class="topbar"><div class="brand"><h1>{texts("site", lang)}</h1>'
        f'<p class="subtitle">{texts("site_other", lang)}</p></div></header>\n'
        f'<main class="article-main">\n{body}\n<p class="back"><a href="/">{texts("back", lang)}</a> · '
        f'<a href="/" lang="{HTML_LANG[_other(lang)]}">{texts("back", _other(lang))}</a></p>\n</main>\n</body>\n</html>\n'
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-cache"})


def _other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def render_article(kb: PolicySource, ref: ArticleRef, lang: str) -> web.Response:
    a = kb.article(ref)
    sections = []
    for each in (lang, _other(lang)):
        sep = _texts("unit_separator", each)
        units = sep.join(kb.units[u].get(each) for u in a.units_zh) or "—"
        heading = f"{article_name(ref, each)}{'　' if each == 'zh' else ': '}{a.title.get(each)}"
        sections.append(
            f'<article class="card policy-article" lang="{HTML_LANG[each]}" id="text-{each}">'
            f'<p class="article-kind">{texts("verbatim" if each == "zh" else "rendering", each)}</p>'
            f'<h2>{html.escape(heading)}</h2><div class="full">{_paragraphs(a.text.get(each))}</div>'
            f'<p class="meta">{texts("units", each)}{html.escape(units)}</p></article>')
    head = (f'<p class="source" lang="zh-CN">{html.escape(kb.title.zh)}（{html.escape(kb.code)}）</p>'
            f'<p class="note">{texts("authoritative", lang)}</p>')
    title = f"{article_name(ref, lang)} {a.title.get(lang)} · {_texts('site', lang)}"
    return _page(lang, title, head + "\n".join(sections))


async def article_page(request: web.Request) -> web.Response:
    lang = "en" if request.query.get("lang") == "en" else "zh"
    try:
        ref = ref_from_label(request.match_info["ref"])
    except ValueError:
        body = (f'<section class="card not-found"><h2>{texts("not_found_title", lang)}</h2>'
                f'<p>{texts("not_found", lang)}</p><p lang="{HTML_LANG[_other(lang)]}">{texts("not_found", _other(lang))}</p>'
                '</section>')
        return _page(lang, _texts("not_found_title", lang), body, status=404)
    return render_article(await policy_source(request.app), ref, lang)


def register(app: web.Application) -> None:
    app.router.add_get("/article/{ref:.+}", article_page)  # any path below: a polite 404, not aiohttp's
