"""Clinical sign-off bound to the content (issue 17): what the page says of its review is true.

Tried as an editor and then a reviewer would: change, check, preview as a draft, sign,
check, build; and as someone trying to break it: hand edits, other keys, bad records.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from clinicsite import pipeline
from tests.conftest import TODAY, BuiltSite, Result
from tests.helpers import rule_of, rules_in

SAMPLE = "content/treatments/sample-treatment"
RECORD = f"{SAMPLE}/sign-offs.yaml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _rules(result: Result) -> list[str]:
    return [rule for line in result.lines if ": error: " in line or ": warning: " in line if (rule := rule_of(line))]


def test_editor_then_reviewer_one_changed_claim(project: Path, cli: Callable[..., Result]) -> None:
    """The issue's done-when: one changed claim is one review-stale error at its line; review; the page shows the new date."""
    _edit(project / SAMPLE / "benefits.yaml", "A review agrees.", "A review mostly agrees.")
    stale = cli("check")
    assert stale.code == 1
    assert stale.lines == [
        f"{SAMPLE}/benefits.yaml:6:13: error: this claim changed after Dr Test Reviewer signed 'sample-treatment' off on 2026-01-31; "
        "when a reviewer has checked it, run `python build.py review sample-treatment --by REVIEWER_ID` [review-stale]"
    ]
    signed = cli("review", "sample-treatment", "--by", "dr-test")
    assert signed.code == 0, signed.err
    assert "signed sample-treatment (full, by dr-test, 2026-12-01): 10 claims, 5 headings, 3 sources" in signed.out
    assert f"- {SAMPLE}/benefits.yaml:6:13: this claim changed after Dr Test Reviewer" in signed.out
    assert cli("check").code == 0
    assert cli("build").code == 0
    page = (project / "site/treatments/sample-treatment/index.html").read_text()
    assert 'Page last reviewed: <time datetime="2026-12-01">1 December 2026</time>, by Dr Test Reviewer, MBBS (GMC 0000000).' in page
    assert 'Next review due: <time datetime="2027-12-01">' in page
    assert "A review mostly agrees." in page


def test_an_added_claim_a_removed_claim_and_a_changed_heading_are_each_located(project: Path, cli: Callable[..., Result]) -> None:
    benefits = project / SAMPLE / "benefits.yaml"
    _edit(benefits, "    - text: A review agrees.\n      cite: [jones-2019, smith-2020]\n", "")
    _edit(project / SAMPLE / "mechanism.yaml", "- id: step-one", "- id: step-one")
    benefits.write_text(benefits.read_text() + "    - text: A new sentence.\n      cite: [jones-2019]\n")
    faqs = project / SAMPLE / "faqs.yaml"
    question = re.search(r"question: (.+)", faqs.read_text())
    assert question is not None
    _edit(faqs, question.group(0), "question: Is it uncomfortable?")
    lines = cli("check").lines
    assert [line.split(": error: ")[0] for line in lines] == [f"{SAMPLE}/benefits.yaml:6:13", f"{SAMPLE}/faqs.yaml:2:13"]
    assert "this claim changed after" in lines[0] and "this heading changed after" in lines[1]
    # removing a claim alone is reported at the sign-off record, where it was signed
    shutil.copyfile(Path(__file__).parent / "fixtures/valid" / SAMPLE / "faqs.yaml", faqs)
    _edit(benefits, "    - text: A new sentence.\n      cite: [jones-2019]\n", "")
    removed = cli("check").lines
    assert len(removed) == 1 and removed[0].startswith(f"{RECORD}:14:5: error: 'benefits / first-benefit / claim 2' was removed after")


def test_a_changed_source_entry_is_reported_at_the_source_and_at_each_claim_citing_it(project: Path, cli: Callable[..., Result]) -> None:
    _edit(project / "content/sources.yaml", "doi: 10.1000/test.2020.1", "doi: 10.1000/test.2020.2")
    lines = cli("check").lines
    assert lines[0].startswith("content/sources.yaml:1:7: error: this source's entry changed after Dr Test Reviewer")
    cited_by_smith = [line for line in lines[1:] if "a source this claim cites changed" in line]
    assert len(cited_by_smith) == len(lines) - 1 >= 3


def test_comments_quoting_and_layout_do_not_change_the_fingerprint(project: Path, cli: Callable[..., Result]) -> None:
    benefits = project / SAMPLE / "benefits.yaml"
    _edit(benefits, "    - text: A review agrees.\n", "    # a comment the patient never sees\n    - text: 'A review\n        agrees.'\n")
    _edit(benefits, "      cite: [jones-2019, smith-2020]", "      cite:\n        - jones-2019\n        - smith-2020")
    _edit(project / SAMPLE / "treatment.yaml", "title: Sample treatment", 'title: "Sample treatment"   # quoted now')
    assert cli("check").code == 0, cli("check").out


def test_partial_sign_off_shows_as_an_update_and_keeps_the_full_review_date(project: Path, cli: Callable[..., Result]) -> None:
    _edit(project / SAMPLE / "benefits.yaml", "A review agrees.", "A review mostly agrees.")
    assert cli("review", "sample-treatment", "--by", "dr-test", "--scope", "partial", "--date", "2026-11-20").code == 0
    assert cli("build").code == 0
    review = (project / "site/treatments/sample-treatment/index.html").read_text().split('class="review"')[1]
    assert 'Page last reviewed: <time datetime="2026-01-31">' in review
    assert 'Updated <time datetime="2026-11-20">20 November 2026</time>; the changes were checked by Dr Test Reviewer, MBBS.' in review
    assert 'Next review due: <time datetime="2027-01-31">' in review


def test_drafts_render_with_the_banner_noindex_and_outside_the_sitemap(project: Path, cli: Callable[..., Result]) -> None:
    _edit(project / SAMPLE / "benefits.yaml", "A review agrees.", "A review mostly agrees.")
    assert cli("build").code == 1  # build publishes no draft
    assert not (project / "site").exists()
    preview = cli("build", "--drafts", "--out", "preview")
    assert preview.code == 0 and "warning:" in preview.out and "review-stale" in rules_in(preview.out)
    page = (project / "preview/treatments/sample-treatment/index.html").read_text()
    assert "Draft: changes not yet checked by a clinician." in page and "Changed: What it can help with." in page
    assert '<meta name="robots" content="noindex">' in page and "A review mostly agrees." in page
    assert "treatments/sample-treatment/" not in (project / "preview/sitemap.xml").read_text()


def test_a_page_never_signed_is_review_missing_and_new_starts_unsigned(project: Path, cli: Callable[..., Result]) -> None:
    (project / RECORD).unlink()
    assert _rules(cli("check")) == ["review-missing"]
    assert cli("new", "chemical-peel").code == 0
    assert not (project / "content/treatments/chemical-peel/sign-offs.yaml").exists()
    assert "review-missing" in _rules(cli("check"))


@pytest.mark.parametrize(
    ("spoil", "rule"),
    [
        (lambda t: t.replace("0d6e83a2748a79f1", "0d6e83a2748a79f0"), "review-record"),  # a tampered hash
        (lambda t: t + t.split("\n", 1)[1], "review-record"),  # the sign-off duplicated
        (lambda t: t.replace("by: dr-test", "by: dr-nobody"), "reviewer-unknown"),
        (lambda t: t.replace('date: "2026-01-31"', 'date: "2026-12-25"'), "review-future"),
        (lambda t: t[: len(t) // 2], "field-required"),  # truncated mid-block: what follows is missing
        (lambda t: t.replace("scope: full", "scope: most"), "value-format"),
    ],
    ids=["tampered", "duplicated", "unknown-reviewer", "future", "truncated", "bad-scope"],
)
def test_a_broken_record_is_a_located_error_never_a_traceback(project: Path, cli: Callable[..., Result], spoil: Callable[[str], str], rule: str) -> None:
    record = project / RECORD
    record.write_text(spoil(record.read_text()))
    result = cli("check")
    assert result.code == 1 and "Traceback" not in result.out + result.err
    assert rule in _rules(result)
    assert all(line.startswith(f"{RECORD}:") for line in result.lines if f"[{rule}]" in line)
    before = record.read_text()
    assert cli("review", "sample-treatment", "--by", "dr-test").code != 0  # refuses to sign over a broken record
    assert record.read_text() == before


def test_review_refuses_other_errors_unknown_reviewers_and_future_dates_and_writes_nothing(project: Path, cli: Callable[..., Result]) -> None:
    record = project / RECORD
    before = record.read_text()
    _edit(project / SAMPLE / "benefits.yaml", "cite: [jones-2019, smith-2020]", "cite: [jones-2019, smith-2021]")
    refused = cli("review", "sample-treatment", "--by", "dr-test")
    assert refused.code == 1 and "source-unknown" in rules_in(refused.out) and "nothing was signed" in refused.err
    _edit(project / SAMPLE / "benefits.yaml", "smith-2021", "smith-2020")
    unknown = cli("review", "sample-treatment", "--by", "dr-tset")
    assert unknown.code == 2 and "did you mean 'dr-test'?" in unknown.err
    assert cli("review", "sample-treatment", "--by", "dr-test", "--date", "2026-12-02").code == 2
    assert cli("review", "no-such-page", "--by", "dr-test").code == 2
    assert cli("review", "--by", "dr-test").code == 2
    assert record.read_text() == before
    assert cli("review", "sample-treatment", "--by", "dr-test", "--date", "2026-01-31").code == 2  # the same sign-off again: it would repeat one
    assert record.read_text() == before


# --- signatures -------------------------------------------------------------------------------


def _key(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True, timeout=30)
    return key, key.with_suffix(".pub").read_text().strip()


@pytest.fixture
def keys(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The reviewer's key (its public line in site.yaml, signatures required) and an editor's key."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    folder = tmp_path_factory.mktemp("keys")
    reviewer, public = _key(folder, "dr-test")
    editor, _ = _key(folder, "editor")
    site = project / "content/site.yaml"
    _edit(site, "    registration: GMC 0000000", f'    registration: GMC 0000000\n    ssh_key: "{public}"')
    site.write_text(site.read_text() + "signatures_required: true\n")
    return reviewer, editor


def test_signed_sign_offs_verify_only_with_the_reviewers_key(project: Path, cli: Callable[..., Result], keys: tuple[Path, Path]) -> None:
    reviewer, editor = keys
    assert _rules(cli("check")) == ["review-signature"]  # the fixture's sign-off is not signed
    no_key = cli("review", "sample-treatment", "--by", "dr-test")
    assert no_key.code == 2 and "pass --key" in no_key.err
    other = cli("review", "sample-treatment", "--by", "dr-test", "--key", editor)
    assert other.code == 2 and "is not Dr Test Reviewer's key" in other.err
    signed = cli("review", "sample-treatment", "--by", "dr-test", "--key", reviewer)
    assert signed.code == 0, signed.err
    assert "with an SSH signature" in signed.out
    assert cli("check").code == 0  # the older, unsigned sign-off is history: the page relies on the signed one


def test_a_signature_made_with_another_key_or_over_other_content_fails(project: Path, cli: Callable[..., Result], keys: tuple[Path, Path]) -> None:
    reviewer, editor = keys
    record = project / RECORD
    record.unlink()
    site = project / "content/site.yaml"
    real = site.read_text()
    _, editor_public = editor, editor.with_suffix(".pub").read_text().strip()
    site.write_text(re.sub(r'ssh_key: ".*"', f'ssh_key: "{editor_public}"', real))
    assert cli("review", "sample-treatment", "--by", "dr-test", "--key", editor).code == 0  # the editor posing as dr-test
    site.write_text(real)  # ... but site.yaml names the reviewer's own key
    forged = cli("check")
    assert _rules(forged) == ["review-signature"] and "is not Dr Test Reviewer's signature" in forged.out
    record.unlink()
    assert cli("review", "sample-treatment", "--by", "dr-test", "--key", reviewer).code == 0
    assert cli("check").code == 0
    record.write_text(record.read_text().replace("scope: full", "scope: partial"))  # the signed text no longer matches
    assert "review-signature" in _rules(cli("check"))


def test_a_key_line_that_is_not_a_public_key_is_located(project: Path, cli: Callable[..., Result]) -> None:
    site = project / "content/site.yaml"
    _edit(site, "    registration: GMC 0000000", '    registration: GMC 0000000\n    ssh_key: "ssh-ed25519 bm90IGEga2V5"')
    result = cli("check")
    assert result.code == 1 and result.lines[0].startswith("content/site.yaml:15:14: error: 'ssh_key' has an invalid value")


def test_missing_ssh_keygen_is_a_located_error(project: Path, cli: Callable[..., Result], keys: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("review", "sample-treatment", "--by", "dr-test", "--key", keys[0]).code == 0
    monkeypatch.setenv("PATH", "/nonexistent")
    result = cli("check")
    assert result.code == 1 and "ssh-keygen was not found" in result.out and "Traceback" not in result.out + result.err


# --- the example site -------------------------------------------------------------------------


def test_the_example_site_builds_says_so_and_is_refused_by_publish(tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(pipeline.DEFAULT_LAYOUTS.parent / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    assert cli("build").code == 0
    for page in ("index.html", "treatments/microneedling/index.html", "404.html"):
        assert "this is not a real clinic" in (tmp_path / "site" / page).read_text(), page
    assert "No clinician has reviewed this example page." in (tmp_path / "site/treatments/microneedling/index.html").read_text()
    refused = cli("build", "--publish", "--out", "live")
    assert refused.code == 1 and not (tmp_path / "live").exists()
    assert sorted(_rules(refused)) == ["publish-placeholder", "publish-placeholder"]
    # the clinic makes it real: its own details, and a real reviewer signs
    site = tmp_path / "content/site.yaml"
    site.write_text(site.read_text().replace("example: true\n", ""))
    assert _rules(cli("build", "--publish", "--out", "live")) == ["publish-placeholder"]  # still the placeholder's sign-off
    site.write_text(site.read_text() + "  - {id: dr-real, name: Dr Real, credentials: MBBS}\n")
    assert cli("review", "microneedling", "--by", "dr-real", "--today", TODAY.isoformat()).code == 0
    assert cli("build", "--publish", "--out", "live").code == 0
    assert "this is not a real clinic" not in (tmp_path / "live/index.html").read_text()


def test_the_job_summary_lists_what_waits_for_a_sign_off_with_content_text_escaped(project: Path, cli: Callable[..., Result]) -> None:
    _edit(project / SAMPLE / "benefits.yaml", "A review agrees.", "A review agrees <!-- hide the rest.")
    lines = cli("check", "--format", "markdown").lines
    assert lines[0].startswith(r"- **error** content/treatments/sample-treatment/benefits.yaml:6:13: this claim changed after")
    assert lines[0].endswith(r"\[review-stale\]") and all(line.startswith("- **") for line in lines)
    assert not any("<" in line for line in lines)


def test_the_answer_on_who_should_not_have_it_is_the_procedures_contraindication(real_site: BuiltSite) -> None:
    """Issue 18: the MedicalProcedure names its contraindications, from the answer the page shows."""
    page = (real_site.root / "treatments/microneedling/index.html").read_text()
    graph = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)[0])["@graph"]
    procedure = next(n for n in graph if n.get("@type") == "MedicalWebPage")["about"]
    [caution] = procedure["contraindication"]
    assert caution.startswith("Device makers advise against treating skin that has an infection or a cold sore.")
    assert "<" not in caution and "They advise against it during chemotherapy or radiotherapy for cancer." in caution


def test_a_record_cut_mid_line_is_a_syntax_error_at_its_line(project: Path, cli: Callable[..., Result]) -> None:
    record = project / RECORD
    text = record.read_text()
    record.write_text(text[: text.index('fingerprint: "') + 20])  # an unclosed quote
    result = cli("check")
    assert result.code == 1 and "yaml-syntax" in _rules(result) and "Traceback" not in result.out + result.err
