"""Claim text: inline Markdown rendered, anything dangerous stripped by the sanitizer."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from clinicsite.markup import has_block_markup, plain_text, render_inline


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Plain *emphasis* and **strong**.", "Plain <em>emphasis</em> and <strong>strong</strong>."),
        ("5 < 6 & 7 > 3", "5 &lt; 6 &amp; 7 &gt; 3"),
        ("Hi <script>alert(1)</script>there", "Hi there"),
        ('A <img src="x" onerror="alert(1)">picture', "A picture"),
        ('<span style="color:red" onclick="x()">red</span>', "red"),
        ("[bad](javascript:alert(1))", '<a rel="noopener noreferrer">bad</a>'),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", '<a rel="noopener noreferrer">data</a>'),
        ("[NHS](https://www.nhs.uk/)", '<a href="https://www.nhs.uk/" rel="noopener noreferrer">NHS</a>'),
        ("<iframe src='https://evil.example'></iframe>Text", "Text"),
    ],
)
def test_inline_markdown_is_rendered_and_sanitized(text: str, html: str) -> None:
    assert render_inline(text) == html


#: Every construct a claim may use, with the exact HTML a page gets (pinned when the
#: engine moved from Python-Markdown to cmark; only ***both***'s nesting order changed).
CONSTRUCTS = [
    (
        "Plain *emphasis*, _underscore emphasis_ and **strong** and __strong too__.",
        "Plain <em>emphasis</em>, <em>underscore emphasis</em> and <strong>strong</strong> and <strong>strong too</strong>.",
    ),
    ("***both***", "<em><strong>both</strong></em>"),
    ("snake_case_word and 2*3*4", "snake_case_word and 2<em>3</em>4"),
    ("A `code span` and `5 < 6`.", "A <code>code span</code> and <code>5 &lt; 6</code>."),
    ('[link](https://example.org/a "Title")', '<a href="https://example.org/a" title="Title" rel="noopener noreferrer">link</a>'),
    ("<https://example.org/auto>", '<a href="https://example.org/auto" rel="noopener noreferrer">https://example.org/auto</a>'),
    ("[mail](mailto:a@example.org)", '<a href="mailto:a@example.org" rel="noopener noreferrer">mail</a>'),
    ("[rel](/relative/path)", '<a href="/relative/path" rel="noopener noreferrer">rel</a>'),
    ("[Bad](JavaScript:alert(1))", '<a rel="noopener noreferrer">Bad</a>'),
    ('<a href="https://x.example" onclick="y()">raw link</a>', '<a href="https://x.example" rel="noopener noreferrer">raw link</a>'),
    ("<a href='javascript:y()'>raw bad</a>", '<a rel="noopener noreferrer">raw bad</a>'),
    ("Escaped \\*stars\\* and \\_under\\_.", "Escaped *stars* and _under_."),
    ("Entities &amp; &copy; &#169; and a bare & ampersand.", "Entities &amp; © © and a bare &amp; ampersand."),
    ("Quotes \"double\" and 'single'.", "Quotes \"double\" and 'single'."),
    (
        'H<sub>2</sub>O, mc<sup>2</sup>, <abbr title="World Health Organization">WHO</abbr>.',
        'H<sub>2</sub>O, mc<sup>2</sup>, <abbr title="World Health Organization">WHO</abbr>.',
    ),
    ("A hard  \nbreak", "A hard<br>\nbreak"),
    ("A soft\nbreak", "A soft\nbreak"),
    ("<b>bold tag</b> and <em>em tag</em>", "bold tag and <em>em tag</em>"),
    ("![image](https://example.org/i.png)", ""),
    ("~~strike~~ and www.example.org stay text", "~~strike~~ and www.example.org stay text"),
]


@pytest.mark.parametrize(("text", "html"), CONSTRUCTS)
def test_every_inline_construct_has_pinned_html(text: str, html: str) -> None:
    assert render_inline(text) == html
    assert not has_block_markup(text)


@pytest.mark.parametrize("text", ["# Heading", "- item", "+ item", "1. item", "> quote", "one\n\ntwo", "    code block", "---", "Title\n===", "<div>x</div>"])
def test_block_markdown_is_detected(text: str) -> None:
    assert has_block_markup(text)


@pytest.mark.parametrize("text", ["One sentence.", "With *emphasis* and a [link](https://a.example).", "A line\nwrapped"])
def test_inline_text_is_not_block(text: str) -> None:
    assert not has_block_markup(text)


@pytest.mark.parametrize(
    "shown",
    [
        "",
        "Plain words.",
        "<em>Firm</em> &amp; <strong>soft</strong>\tskin,\n  twice",
        '<a href="https://x.example/?a=1&amp;b=2" rel="noopener noreferrer">a link</a> 5 &lt; 6',
        "an unclosed <em tag",
        "x<a<b>y",
        "a <!-- note --> b",
        "p <!-- unclosed comment",
        "&#60;not a tag&#62; and &eacute;",
    ],
)
def test_plain_text_is_what_striptags_returns(shown: str) -> None:
    assert plain_text(Markup(shown)) == Markup(shown).striptags()
