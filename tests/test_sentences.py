"""Issue 18: one claim, one sentence. The sentence rule, its tricky cases, and reading grades."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicsite.readability import _WORD, grade, syllables, words
from clinicsite.sentences import sentences
from tests.conftest import Result

ONE_SENTENCE = [
    "Dr Smith and Dr. Jones found it, e.g. in adults, i.e. people over 18.",
    "Approx. 20 people took part.",
    "Scores fell from 7.5 to 5.0 points.",
    "A trial by J. R. Smith in the U.K. found it.",
    "Aust et al. found more collagen.",
    'One person said "It helped. I would go again." after the trial.',
    "A review said \u201cResults vary. More trials are needed.\u201d",
    "See the review (p. 12) for details.",
    "It was done at 6 months. ",
]
TWO_SENTENCES = [
    ("Redness lasts a week. Swelling is shorter.", "Swelling is shorter."),
    ("Is it safe? Nobody can promise that.", "Nobody can promise that."),
    ("It stung! Then it faded.", "Then it faded."),
    ('A person said "It stung." The review agrees.', "The review agrees."),
    ("Ask about it, e.g. the cost. Then book.", "Then book."),
    ("Scores improved by 1.5 points. 20 people took part.", "20 people took part."),
    ("It looks *red.* Then it fades.", "Then it fades."),
]


#: Stops and closers ending a text: stripped only where white space follows a stop (the screen must not differ).
ENDINGS = [
    ("It helps.", ["It helps."]),
    ("It helps. ", ["It helps."]),
    ("It helps.)", ["It helps.)"]),
    ("It helps.) ", ["It helps.)"]),
    ("It helps!\u201d\n", ["It helps!\u201d"]),
    ("Done?* Then go.", ["Done?*", "Then go."]),
    ("Done\u2026 Then go.\u2019", ["Done\u2026", "Then go.\u2019"]),
]


@pytest.mark.parametrize(("text", "found"), ENDINGS)
def test_stops_and_closers_at_the_end_are_one_sentence_stripped_only_where_a_space_follows_a_stop(text: str, found: list[str]) -> None:
    assert sentences(text) == found


@pytest.mark.parametrize("text", ONE_SENTENCE)
def test_abbreviations_decimals_initials_and_quoted_speech_do_not_end_a_sentence(text: str) -> None:
    assert sentences(text) == [text.strip()]


@pytest.mark.parametrize(("text", "second"), TWO_SENTENCES)
def test_a_stop_before_a_capital_or_digit_ends_a_sentence(text: str, second: str) -> None:
    found = sentences(text)
    assert len(found) == 2 and found[1] == second
    assert " ".join(found) == text


def test_claim_with_two_sentences_is_an_error_at_its_line(write: Callable[[dict[str, str]], None], cli: Callable[..., Result]) -> None:
    write(
        {
            "content/treatments/sample-treatment/mechanism.yaml": """
                - id: step-one
                  title: Step one
                  claims:
                    - text: The first step happens. The second follows.
                      cite: [agency-page, jones-2019]
            """
        }
    )
    result = cli("check")
    assert result.code == 1
    at = "content/treatments/sample-treatment/mechanism.yaml:4:13: error:"
    assert any(line.startswith(at) and line.endswith("[claim-sentences]") for line in result.lines)


def test_syllables_are_vowel_groups_less_a_silent_ending() -> None:
    # Pyphen's hyphenation counted "people" and "every" as one syllable: grades about 1.5 too low
    assert [syllables(w) for w in ("people", "every", "make", "table", "used", "needed", "free")] == [2, 3, 1, 2, 1, 2, 1]


#: Letters, digits, joiners, separators, white space and characters beyond ASCII that are letters, digits or neither.
_WORDY = "aZ09_ '-\u2019.,;\"()<>&/\\\t\n\x0b\x1c\x00\x7f\u00a0\u2028\u3000\u00e9\u0301\u00b5\u0661\u00b2\u00bd\u4e00\u0410\u201c"


@settings(max_examples=500)
@given(text=st.text(alphabet=st.sampled_from(_WORDY), max_size=30))
def test_words_are_what_the_word_pattern_finds(text: str) -> None:
    assert words(text) == _WORD.findall(text)


def test_words_keep_inner_apostrophes_and_hyphens() -> None:
    assert words("the skin's x-ray, don\u2019t -it- a--b caf\u00e9 2.5 \u201cok\u201d") == [
        "the",
        "skin's",
        "x-ray",
        "don\u2019t",
        "it",
        "a",
        "b",
        "caf\u00e9",
        "2",
        "5",
        "ok",
    ]


def test_flesch_kincaid_grade_follows_the_formula() -> None:
    # 6 words, 1 sentence; syllables 1+1+1+1+1+3 = 8: 0.39*6 + 11.8*8/6 - 15.59 = 2.48
    assert [syllables(w) for w in ("the", "skin", "heals", "in", "a", "tomorrow")] == [1, 1, 1, 1, 1, 3]
    assert grade(["The skin heals in a tomorrow."]) == (2.5, 6)
    assert grade(["Post-inflammatory hyperpigmentation complicates recovery."])[0] > 12


def test_check_prints_each_sections_grade(project: Path, cli: Callable[..., Result]) -> None:
    result = cli("check")
    assert result.code == 0
    assert "content/treatments/sample-treatment/treatment.yaml: reading grade 3.2 (summary, 14 words, Flesch-Kincaid)" in result.err.splitlines()
    assert sum("reading grade" in line for line in result.err.splitlines()) == 5


def test_site_reading_grade_sets_the_target(project: Path, cli: Callable[..., Result]) -> None:
    hard = "Considerable procedural discomfort is experienced by participants undergoing percutaneous collagen induction therapy regularly."
    faqs = project / "content/treatments/sample-treatment/faqs.yaml"
    faqs.write_text(faqs.read_text() + f"    - text: {hard}\n      cite: [jones-2019]\n" * 3)
    assert any(line.endswith("[reading-level]") for line in cli("check").lines)
    site = project / "content/site.yaml"
    site.write_text(site.read_text() + "reading_grade: 30\n")
    assert not any(line.endswith("[reading-level]") for line in cli("check").lines)


def test_claims_policy_runs_on_headings_as_on_claims(write: Callable[[dict[str, str]], None], cli: Callable[..., Result]) -> None:
    """Issue 18: a heading makes no claim, so a promise in one is refused like one in a claim."""
    write(
        {
            "content/treatments/sample-treatment/mechanism.yaml": """
                - id: step-one
                  title: Guaranteed smoother skin
                  claims:
                    - text: The first step happens.
                      cite: [agency-page, jones-2019]
            """
        }
    )
    result = cli("check")
    assert result.code == 1
    assert any(line.startswith("content/treatments/sample-treatment/mechanism.yaml:2:10: error:") and line.endswith("[guarantee]") for line in result.lines)
