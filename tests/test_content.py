"""The microneedling page's minimums (issue 3), so they cannot quietly erode.

Counts are read from the validated model, not from raw YAML, so they count what the
page publishes.
"""

from __future__ import annotations

import re
import statistics

import pytest

from clinicsite import shape
from clinicsite.clinic import Site
from clinicsite.documents import Document
from clinicsite.model import Treatment
from clinicsite.pipeline import check
from clinicsite.readability import SECTIONS, section_grades
from clinicsite.sentences import sentences
from tests.conftest import PROJECT, TODAY
from tests.helpers import validated_site

REVIEW_KINDS = {"systematic-review", "review"}


@pytest.fixture(scope="module")
def site() -> Site:
    outcome = check(PROJECT / "content", today=TODAY)
    problems = [d for d in outcome.diagnostics if d.severity != "note"]
    assert problems == [], [d.message for d in problems]
    return validated_site(PROJECT / "content", TODAY)


@pytest.fixture(scope="module")
def microneedling(site: Site) -> Treatment:
    return next(t for t in site.treatments if t.slug == "microneedling")


def cited_ids(treatment: Treatment) -> set[str]:
    return {c.source for _, _, claim in shape.claims(treatment) for c in claim.cite}


def test_overview_names_and_summary(microneedling: Treatment) -> None:
    names = {n.lower() for n in microneedling.overview.also_known_as}
    assert {"collagen induction therapy", "skin needling"} <= names
    assert 3 <= len(microneedling.overview.summary.claims) <= 5


@pytest.mark.parametrize(("section", "minimum"), [("benefits", 7), ("mechanism", 5), ("side_effects", 6), ("faqs", 10)])
def test_records_per_section(microneedling: Treatment, section: str, minimum: int) -> None:
    assert len(getattr(microneedling, section)) >= minimum


def test_at_least_60_claims(microneedling: Treatment) -> None:
    assert sum(1 for _ in shape.claims(microneedling)) >= 60


def test_at_least_15_sources_of_which_4_reviews(site: Site, microneedling: Treatment) -> None:
    cited = cited_ids(microneedling)
    assert len(cited) >= 15
    assert sum(site.sources[i].kind in REVIEW_KINDS for i in cited) >= 4


def test_every_cited_id_exists_and_every_source_is_cited(site: Site) -> None:
    cited = set().union(*(cited_ids(t) for t in site.treatments))
    assert cited <= site.sources.keys(), cited - site.sources.keys()
    assert site.sources.keys() <= cited, site.sources.keys() - cited


def test_required_benefit_topics_are_covered(microneedling: Treatment) -> None:
    headings = " ".join(b.title.lower() for b in microneedling.benefits)
    for topic in ("collagen", "wrinkles", "acne scars", "scars from surgery", "texture", "soak in", "melasma"):
        assert topic in headings, topic


def test_every_side_effect_says_when_to_contact_the_clinic(microneedling: Treatment) -> None:
    missing = [s.id for s in microneedling.side_effects if s.seek_help is None]
    assert missing == []


def test_single_small_studies_carry_a_locator(site: Site, microneedling: Treatment) -> None:
    """Claims resting on one clinical study point the reviewer at the part of the paper."""
    for _, path, claim in shape.claims(microneedling):
        studies = [c for c in claim.cite if site.sources[c.source].kind in {"clinical-study", "clinical-trial", "animal-study"}]
        assert all(c.locator for c in studies), path


def test_plain_language_sentence_length(microneedling: Treatment) -> None:
    """Short sentences for a reading age of about 9 to 11: measured on every claim's text."""
    sentences = [s for _, _, claim in shape.claims(microneedling) for s in re.split(r"(?<=[.?!])\s+", claim.text) if s]
    lengths = [len(s.split()) for s in sentences]
    assert statistics.mean(lengths) <= 13
    assert max(lengths) <= 25


# Issue 18: one sentence, one set of sources; the safety information patients need.


def _text(treatment: Treatment, file: str, record_id: str) -> str:
    records = {"side-effects.yaml": treatment.side_effects, "faqs.yaml": treatment.faqs}[file]
    return " ".join(claim.text for name, path, claim in shape.claims(treatment) if name == file and records[int(path[0])].id == record_id)


def test_every_claim_is_one_sentence(microneedling: Treatment) -> None:
    assert [claim.text for _, _, claim in shape.claims(microneedling) if len(sentences(claim.text)) != 1] == []


def test_every_section_reads_at_grade_6_or_below(site: Site, microneedling: Treatment) -> None:
    files = {name: Document(name, None, None) for name in SECTIONS}
    grades = {g.section: g.grade for g in section_grades(microneedling, files)}
    assert set(grades) == set(SECTIONS.values())
    assert {s: g for s, g in grades.items() if g > site.info.reading_grade} == {}


def test_urgent_help_names_999_anaphylaxis_infection_and_englands_route(microneedling: Treatment) -> None:
    urgent = _text(microneedling, "side-effects.yaml", "urgent-help")
    for words in ("Call 999", "anaphylaxis", "lips, tongue or throat", "hard to breathe", "infection", "fever", "In England", "NHS 111"):
        assert words in urgent, words
    assert microneedling.side_effects[0].id == "urgent-help"
    linked = [claim.text for _, _, claim in shape.claims(microneedling) if "(#side-effect-urgent-help)" in claim.text]
    assert len(linked) >= 2


@pytest.mark.parametrize(
    ("faq", "words"),
    [
        ("who-should-not", ("cold sore", "skin cancer", "chemotherapy", "pregnancy", "Device makers")),
        ("what-to-tell", ("bleeding disorder", "blood thinner", "isotretinoin", "keloids", "immune system", "numbing cream", "metals")),
        ("how-clean", ("sterile", "used once")),
        ("how-long-results-last", ("more sessions later",)),
    ],
)
def test_safety_answers_cover_what_patients_need(microneedling: Treatment, faq: str, words: tuple[str, ...]) -> None:
    answer = _text(microneedling, "faqs.yaml", faq)
    assert [w for w in words if w not in answer] == []


def test_darkening_can_last_months(microneedling: Treatment) -> None:
    darkening = next(r for r in microneedling.side_effects if r.id == "colour-changes")
    assert any("months or even years" in c.text for c in darkening.claims)


def test_no_advice_to_stop_a_medicine(microneedling: Treatment) -> None:
    texts = [claim.text.lower() for _, _, claim in shape.claims(microneedling)]
    assert [t for t in texts if re.search(r"\b(stop|pause|skip)\w* (taking|your|the)\b", t)] == []


def test_headings_name_topics_not_findings(microneedling: Treatment) -> None:
    headings = {r.title for r in (*microneedling.benefits, *microneedling.mechanism)}
    assert not headings & {"Smoother skin texture", "Cells make new collagen", "The skin seals itself again"}


def test_other_names_are_lower_case(microneedling: Treatment) -> None:
    assert microneedling.overview.also_known_as == [n.lower() for n in microneedling.overview.also_known_as]
