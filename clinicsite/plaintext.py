"""The text a patient reads, for the claims policy to judge, and the characters that hide it.

The policy used to read the Markdown an editor wrote, so `guaran<!-- -->teed`,
`pain<span></span>less`, `no side&#8209;effects` or a zero-width space inside a word
passed it while the page read "guaranteed", "painless", "no side-effects". It now reads
a claim as rendered and sanitised, with tags removed and entities decoded, Unicode
normalised (NFKC: fullwidth letters become letters), zero-width characters and soft
hyphens removed, and dashes and curly apostrophes written the plain way. A heading is
escaped, never rendered, so only its characters are normalised. Characters that change
what is shown without being seen (bidi controls, other format characters), and words
mixing alphabets that look alike (a Cyrillic "a" inside "approved"), cannot be normalised
away safely: they are reported instead (invisible_characters, mixed_script_words).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

from clinicsite.markup import inline_html, render_inline

#: Characters a reader never sees inside a word: soft hyphen, zero-width space and joiners, word joiner, BOM.
_UNSEEN = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
#: After NFKC: dashes and hyphens read as "-", curly apostrophes as "'" (NFKC keeps both).
_PLAIN = {**{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"}, **{ord(c): "'" for c in "\u2018\u2019\u201b\u2032"}}
#: A tag of nh3's output, whose attribute values are always double-quoted.
_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')  # (unrolled: a third of the time of <(?:[^>"]|"[^"]*")*>)
_BREAK = re.compile(r"<br\s*/?>")
#: A tag in cmark's HTML of Markdown other than emphasis, code, a link, a line break (an image, a block).
_OTHER_TAG = re.compile(r"<(?!/?(?:em|strong|code)>|a href=\"|/a>|br />)")
#: Characters the HTML parser changes or drops (a return, NUL) and other controls, left to the sanitizer.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Where claim text may hold raw HTML (cmark passes it through; it may be unbalanced or misnested).
_RAW_TAG = re.compile(r"<[/!?A-Za-z]")
#: What str.strip() removes but a no-break space, which the sanitizer writes as &nbsp; (so its strip keeps it).
_STRIPPED = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c != "\xa0")
_LETTERS = re.compile(r"[^\W\d_]+")
#: Alphabets with letters that look alike; a word mixing two of them is a look-alike.
_LOOKALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"})
#: Letters common in English medical text that belong to another alphabet: µg, μm.
_NEUTRAL = frozenset("\u03bc\u00b5")


def normalise(text: str) -> str:
    """Return text as it reads: unseen characters removed, NFKC, plain dashes and apostrophes."""
    if text.isascii():  # nearly every claim: nothing to do
        return text
    return unicodedata.normalize("NFKC", text.translate(_UNSEEN)).translate(_PLAIN)


def _cmark_only(text: str, inner: str) -> bool:
    """Return True when inner (cmark's HTML of text) reads the same sanitized: the sanitizer is left to the page.

    `check` renders nothing, and nh3 was most of reading a claim. Markup cmark makes itself
    (no raw HTML in text) is balanced, its text escaped (&amp; &lt; &gt; &quot; only), and
    of emphasis, code, links and line breaks it is allowed: the sanitizer keeps each of its
    tags and all its text, changing only attributes and `<br />` to `<br>`.
    """
    if "<" in text and _RAW_TAG.search(text):
        return False
    if not (inner.isascii() and inner.isprintable()) and _CONTROL.search(inner):  # str methods first: cheaper than the search
        return False
    return "<" not in inner or not _OTHER_TAG.search(inner)


def read_claim(text: str) -> str:
    """Return the words a page shows for claim text: rendered, sanitised, tags removed, entities decoded, normalised."""
    inner = inline_html(text)  # cmark's HTML, made once a claim (has_block_markup and rendering reuse it)
    shown = inner.strip(_STRIPPED) if _cmark_only(text, inner) else str(render_inline(text))
    if "<" in shown:
        shown = _TAG.sub("", _BREAK.sub(" ", shown) if "<br" in shown else shown)
    return normalise(html.unescape(shown))


def invisible_characters(text: str) -> Iterator[str]:
    """Yield each format character in text (category Cf: bidi controls, tags) but the unseen ones normalise removes."""
    if text.isascii():
        return
    for char in dict.fromkeys(text):
        if unicodedata.category(char) == "Cf" and ord(char) not in _UNSEEN:
            yield char


def _scripts(word: str) -> set[str]:
    names = (unicodedata.name(c, "").split(" ")[0] for c in word if c not in _NEUTRAL)
    return {name for name in names if name in _LOOKALIKE_SCRIPTS}


def mixed_script_words(text: str) -> Iterator[tuple[str, list[str]]]:
    """Yield each word of text that mixes look-alike alphabets, with the alphabets (sorted)."""
    if text.isascii():
        return
    for word in dict.fromkeys(_LETTERS.findall(normalise(text))):
        scripts = _scripts(word) if not word.isascii() else set()
        if len(scripts) > 1:
            yield word, sorted(scripts)
