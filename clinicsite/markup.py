"""Inline Markdown to sanitized HTML, and the test for Markdown that is not inline.

Markdown is parsed by cmark (GitHub's CommonMark engine, compiled C): about 3 µs a claim
against Python-Markdown's 150 µs, which at 92,000 claims was most of a build (see the
README's benchmark). Both engines give the same HTML for every claim in content/ and the
test fixtures; tests/test_markup.py pins each construct a claim may use.

Raw HTML in content is not refused but stripped: cmark passes it through (UNSAFE) so that
nh3 (the Ammonia sanitizer) removes it whole, keeping an allow-list of inline tags and
safe link schemes, so a pasted <script> or onclick= never reaches a page while the
sentence around it still does.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from markupsafe import Markup

ALLOWED_TAGS = {"em", "strong", "code", "a", "sub", "sup", "br", "abbr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}}
URL_SCHEMES = {"http", "https", "mailto"}
_BLOCK = re.compile(r"<(h[1-6]|ul|ol|li|blockquote|pre|hr|table|div)\b")
_PARAGRAPH = re.compile(r"\A<p>(.*)</p>\Z", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
#: Built once: nh3.clean builds its allow-lists anew on every call, more than half its time.
_CLEANER = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="noopener noreferrer")


@lru_cache(maxsize=4096)  # validation (has_block_markup) and rendering convert each claim: once is enough
def _to_html(text: str) -> str:
    return str(cmarkgfm.markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)).rstrip("\n")


def has_block_markup(text: str) -> bool:
    """Return True when text renders to more than one inline paragraph."""
    html = _to_html(text)
    match = _PARAGRAPH.match(html)
    return match is None or "<p>" in match.group(1) or bool(_BLOCK.search(html))


def inline_html(text: str) -> str:
    """Return cmark's HTML of text without the enclosing paragraph, not sanitized (render_inline sanitizes it)."""
    html = _to_html(text)
    match = _PARAGRAPH.match(html)
    return match.group(1) if match else html


@lru_cache(maxsize=4096)
def render_inline(text: str) -> Markup:
    """Return text's inline Markdown as sanitized HTML without the enclosing paragraph."""
    clean = _CLEANER.clean(inline_html(text))
    return Markup(clean.strip())


def plain_text(shown: Markup) -> str:
    """Return HTML as the text a reader sees: what Markup.striptags returns, made with one pattern.

    Tags removed, whitespace folded to single spaces, entities unescaped. striptags looks
    for each tag in a Python loop (it also removes comments, which the sanitizer never
    leaves but which are then handed to it).
    """
    if "<!--" in shown:
        return shown.striptags()
    return html.unescape(" ".join(_TAG.sub("", shown).split()))


def words_of(text: str) -> str:
    """Return text's inline Markdown as the plain words a reader sees, for counting them.

    Tags are dropped from cmark's HTML (already made for has_block_markup) without the
    sanitizer: a raw tag's own words may be counted, which only a count can notice.
    """
    return html.unescape(_TAG.sub("", _to_html(text)))
