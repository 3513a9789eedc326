"""Issue 15: the claims policy judges the words a patient reads, not the Markdown that hides them."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicsite.markup import render_inline
from clinicsite.plaintext import _BREAK, _TAG, invisible_characters, mixed_script_words, normalise, read_claim
from clinicsite.policy import active_policy
from tests.conftest import run_cli, sign

BENEFITS = "content/treatments/sample-treatment/benefits.yaml"
POLICY = active_policy(None)


def add_claim(project: Path, text: str, cite: str = "[{source: smith-2020, locator: p. 105}]") -> None:
    """Append one claim (text as a JSON string, which YAML reads as written) to the first benefit, at line 8."""
    path = project / BENEFITS
    path.write_text(path.read_text() + f"    - text: {json.dumps(text)}\n      cite: {cite}\n", encoding="utf-8")


#: Each way the review hid a policy word, with the rule the page's words break.
HIDDEN = [
    ("Results are guaran<!-- -->teed.", "guarantee"),
    ("It is pain<span></span>less.", "painless"),
    ("It is risk<b>-</b>free.", "no-risk"),
    ("There are no side&#8209;effects.", "no-risk"),
    ("Results are perma<i>nent</i>.", "permanent"),
    ("Results are perma*nent*.", "permanent"),
    ("Results are guaran\u200bteed.", "guarantee"),
    ("It is pain\u00adless.", "painless"),
    ("It is completely&nbsp;safe.", "safe-absolute"),
    ("It is \uff50\uff41\uff49\uff4e\uff4c\uff45\uff53\uff53.", "painless"),
    ("It doesn\u2019t hurt.", "painless"),
]


@pytest.mark.parametrize(("text", "rule"), HIDDEN)
def test_a_policy_word_hidden_in_markup_or_unicode_is_found_at_its_claim(project: Path, text: str, rule: str) -> None:
    add_claim(project, text)
    result = run_cli("check")
    assert result.code == 1
    assert next(line for line in result.lines if line.endswith(f"[{rule}]")).startswith(f"{BENEFITS}:8:13: error: ")


def test_a_heading_with_a_soft_hyphen_is_judged_as_it_reads(project: Path) -> None:
    path = project / BENEFITS
    path.write_text(path.read_text().replace("title: First benefit", 'title: "Pain\\u00adless"'))
    result = run_cli("check")
    assert result.code == 1 and result.lines[0].startswith(f"{BENEFITS}:2:10: error: 'Painless': ") and result.lines[0].endswith("[painless]")


class _Words(HTMLParser):
    """The text of a page's claims, as a browser shows it (tags dropped, entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []

    def handle_data(self, data: str) -> None:
        self.words.append(data)


def test_the_page_really_reads_the_word_the_policy_now_finds(project: Path) -> None:
    (project / "content/policy.yaml").write_text("disable: [permanent]\n")
    add_claim(project, "Results are perma<i>nent</i>.")
    sign(project / "content")
    assert run_cli("build").code == 0
    page = _Words()
    page.feed((project / "site/treatments/sample-treatment/index.html").read_text())
    assert "Results are permanent." in "".join(page.words)


def test_a_number_in_a_links_address_needs_no_locator_but_sixty_does(project: Path) -> None:
    add_claim(project, "See the [guide](https://example.org/covid-19/) for more.", cite="[jones-2019]")
    sign(project / "content")
    assert run_cli("check").code == 0
    add_claim(project, "About sixty people took part.", cite="[jones-2019]")
    result = run_cli("check")
    assert result.code == 1 and result.lines[0].startswith(f"{BENEFITS}:10:13: error: the claim quotes a number ('sixty')")


def test_plain_unicode_words_are_not_look_alikes() -> None:
    greek, russian = "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac", "\u0440\u0443\u0441\u0441\u043a\u0438\u0439"
    for text in ("A dose of 5 \u00b5g or 5 \u03bcg was used.", "Caf\u00e9 na\u00efve r\u00e9sum\u00e9.", f"{greek} and {russian} words."):
        assert list(mixed_script_words(text)) == []
        assert list(invisible_characters(text)) == []
    assert list(mixed_script_words("FDA-\u0430pproved")) == [("\u0430pproved", ["CYRILLIC", "LATIN"])]


#: Words the policy forbids, each as the clean sentence would read.
WORDS = ["guaranteed", "painless", "permanent", "risk-free", "no side effects", "completely safe", "FDA-approved", "cured", "non-invasive"]
#: What can sit between two letters of a word without the reader seeing it.
GAPS = ["", "", "<span></span>", "<!-- -->", "<b></b>", "\u200b", "\u00ad", "\u2060", "\u200d", "<abbr></abbr>"]


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    """Return a sentence using a forbidden word hidden with gaps, entities, tags and Unicode forms, and the clean sentence."""
    word = draw(st.sampled_from(WORDS))
    pieces = []
    for char in word:
        form = draw(st.sampled_from(["plain", "plain", "upper", "decimal", "hex", "fullwidth"]))
        if char == "-":
            char = draw(st.sampled_from(["-", "&#8209;", "\u2011", "\u2010", "<em>-</em>"]))
        elif char == " ":
            char = draw(st.sampled_from([" ", "&nbsp;", "\u00a0", "\u2002"]))
        elif form == "upper":
            char = char.upper()
        elif form == "decimal":
            char = f"&#{ord(char)};"
        elif form == "hex":
            char = f"&#x{ord(char):x};"
        elif form == "fullwidth":
            char = chr(ord(char) + 0xFEE0)
        pieces.append(char + draw(st.sampled_from(GAPS)))
    hidden = "".join(pieces)
    wrap = draw(st.sampled_from(["{}", "<em>{}</em>", "**{}**", "<i>{}</i>", "[{}](https://example.org/a)"]))
    return f"Results are {wrap.format(hidden)} here.", f"Results are {word} here."


@given(disguised())
def test_disguised_text_is_judged_as_its_rendered_plain_text(case: tuple[str, str]) -> None:
    hidden, clean = case
    expected = sorted(m.rule.id for m in POLICY.matches(clean))
    assert expected, clean
    assert read_claim(hidden).lower() == clean.lower()
    assert sorted(m.rule.id for m in POLICY.matches(read_claim(hidden))) == expected


def _sanitized_reading(text: str) -> str:
    """The page's words of claim text by the sanitizer's HTML, as read_claim read them before it left nh3 to the page."""
    shown = str(render_inline(text))
    return normalise(html.unescape(_TAG.sub("", _BREAK.sub(" ", shown))))


#: Pieces whose sanitized reading differs from a naive one: raw tags nh3 drops or balances,
#: a no-break space it writes as &nbsp; (so its strip keeps it), entities, line breaks, images.
PIECES = ["*a*", "**b**", "`c `", "[l](https://x.org)", '[l](https://x.org "t<i>")', "<em>", "</em>", '<a href="javascript:x">j</a>', "&amp;", "&#8209;"]
PIECES += ["&nbsp;", "\u00a0", "\u2003", "5 < 6", '"q"', "  \n", "\\\n", "<br>", "<script>x</script>", "<!-- c -->", "\r\n", "\x00"]
PIECES += ["<https://a.org>", "![i](s.png)", " "]


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6))
def test_a_claim_reads_as_its_sanitized_html_reads(pieces: list[str]) -> None:
    text = "Word " + "".join(pieces)
    assert read_claim(text) == _sanitized_reading(text)
