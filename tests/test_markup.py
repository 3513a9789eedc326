"""Claim text: inline Markdown rendered, anything dangerous stripped by the sanitizer."""

from __future__ import annotations

import pytest

from clinicsite.markup import has_block_markup, render_inline


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


@pytest.mark.parametrize("text", ["# Heading", "- item", "1. item", "> quote", "one\n\ntwo", "    code block", "---"])
def test_block_markdown_is_detected(text: str) -> None:
    assert has_block_markup(text)


@pytest.mark.parametrize("text", ["One sentence.", "With *emphasis* and a [link](https://a.example).", "A line\nwrapped"])
def test_inline_text_is_not_block(text: str) -> None:
    assert not has_block_markup(text)
