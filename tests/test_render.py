"""Rendering: strict layouts, errors located at the template line, pages that keep the promise."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from markupsafe import Markup, escape

from clinicsite import pipeline
from clinicsite.cache import BuildCache
from clinicsite.citations import cite_treatment
from clinicsite.pipeline import DEFAULT_LAYOUTS
from clinicsite.render import CSP, json_script, make_environment, og_locale, vancouver_author
from clinicsite.routes import LAYOUTS, listing, site_pages, treatment_page
from tests.conftest import FIXTURES, TODAY, run_cli
from tests.helpers import validated_site


def copy_layouts(project: Path) -> Path:
    layouts = project / "layouts"
    shutil.copytree(DEFAULT_LAYOUTS, layouts)
    return layouts


def test_undefined_variable_is_a_located_layout_error(project: Path) -> None:
    layouts = copy_layouts(project)
    page = layouts / "404.html"
    lines = page.read_text().splitlines()
    lines.insert(3, "<p>{{ site.no_such_field }}</p>")
    page.write_text("\n".join(lines) + "\n")
    result = run_cli("build", "--layouts", layouts)
    assert result.code == 1
    assert len(result.lines) == 1
    assert result.lines[0].startswith("layouts/404.html:4:1: error: UndefinedError:")
    assert result.lines[0].endswith("[layout-error]")
    assert not (project / "site").exists()


def test_template_syntax_error_is_located(project: Path) -> None:
    layouts = copy_layouts(project)
    (layouts / "robots.txt").write_text("User-agent: *\n{% if %}\n")
    result = run_cli("check", "--layouts", layouts)
    assert result.code == 1
    assert result.lines[0].startswith("layouts/robots.txt:2:1: error: TemplateSyntaxError:")


def test_check_compiles_every_layout_and_partial_but_renders_none(project: Path) -> None:
    layouts = copy_layouts(project)
    (layouts / "assets" / "site.css").write_text("a { content: '{% not a tag'; }\n")  # assets are not templates
    page = layouts / "404.html"
    page.write_text(page.read_text().replace("{% block main %}", "{% block main %}{{ site.no_such_field }}", 1))
    assert run_cli("check", "--layouts", layouts).code == 0
    assert run_cli("build", "--layouts", layouts).code == 1  # found only by rendering
    partial = layouts / "partials" / "claims.html"
    text = partial.read_text()
    partial.write_text(text + "{% endfor %}\n")
    result = run_cli("check", "--layouts", layouts)
    assert result.code == 1 and len(result.lines) == 1
    line = len(text.splitlines()) + 1  # the added line
    assert result.lines[0].startswith(f"layouts/partials/claims.html:{line}:1: error: TemplateSyntaxError:")
    assert not (project / "site").exists()


def test_check_reports_a_missing_layout(project: Path) -> None:
    layouts = copy_layouts(project)
    (layouts / "robots.txt").unlink()
    result = run_cli("check", "--layouts", layouts)
    assert result.code == 1
    missing = "error: the layout 'robots.txt' is missing; every site needs it: restore it from the project [layout-error]"
    assert len(result.lines) == 1 and result.lines[0].endswith(missing)
    assert result.lines[0].split(":")[0].endswith("robots.txt")


def test_every_page_is_rendered_with_a_layout_check_requires(project: Path) -> None:
    # routes.LAYOUTS, which check requires, must name every layout a page is rendered with
    site = validated_site(project / "content", TODAY)
    treatment = cite_treatment(site.treatments[0], site.sources)
    index, tail = site_pages(site.info, (listing(treatment),))
    used = {page.layout for page in (index, treatment_page(site.info, treatment), *tail)}
    assert used == set(LAYOUTS)


def test_page_shows_every_claim_and_every_citation_lands(project: Path) -> None:
    assert run_cli("build").code == 0
    html = (project / "site/treatments/sample-treatment/index.html").read_text()
    for text in [
        "The sample treatment is <em>a test</em> procedure.",
        "A first benefit was seen in 10 people.",
        "The second step follows.",
        "Redness usually settles within days.",
        "Contact the clinic if redness spreads.",
    ]:
        assert text in html
    targets = set(re.findall(r'href="#(ref-\d+)"', html))
    assert targets == {"ref-1", "ref-2", "ref-3"}
    assert all(f'id="{t}"' in html for t in targets)
    backlinks = re.findall(r'<a href="#(c\d+)"', html)
    assert backlinks, "no back-link from a reference to a claim"
    assert all(f'<span id="{anchor}">' in html for anchor in backlinks)  # each leads to its claim


def test_citation_numbers_appear_in_reading_order(project: Path) -> None:
    """The layout's section order must match citations.py's walk, or numbers would jump."""
    assert run_cli("build").code == 0
    html = (project / "site/treatments/sample-treatment/index.html").read_text()
    body = html.split('id="references"')[0]
    first_seen: list[int] = []
    for number in map(int, re.findall(r'href="#ref-(\d+)"', body)):
        if number not in first_seen:
            first_seen.append(number)
    assert first_seen == sorted(first_seen)


def test_text_in_headings_is_escaped(project: Path) -> None:
    assert run_cli("build").code == 0
    html = (project / "site/treatments/sample-treatment/index.html").read_text()
    assert "Does it hurt? &lt;Really&gt;" in html


def test_reference_is_vancouver_with_doi_and_pmid_links(project: Path) -> None:
    assert run_cli("build").code == 0
    html = (project / "site/treatments/sample-treatment/index.html").read_text()
    assert "Smith JA, Patel R." in html
    assert "Jones K, et al." in html
    assert "2020;12(3):100-110." in html
    assert '<a href="https://doi.org/10.1000/test.2020.1">10.1000/<wbr>test.2020.1</a>' in html  # may break after the slash
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/12345678/">12345678</a>' in html
    assert '<meta name="referrer" content="no-referrer">' in html  # no source learns which page a patient read
    assert "[cited 2026 Jan 15]" in html
    assert "Test Health Agency of Examples." in html


def test_vancouver_author_names() -> None:
    assert vancouver_author("Matthias C. Aust") == "Aust MC"
    assert vancouver_author("M.C. Aust") == "Aust MC"
    assert vancouver_author("Moetaz El-Domyati") == "El-Domyati M"
    assert vancouver_author("Valerio De Vita") == "De Vita V"
    assert vancouver_author("Dirk Freiherr von Dalwig-Nolda") == "von Dalwig-Nolda DF"
    assert vancouver_author("Gorana Kuka Epstein") == "Epstein GK"
    assert vancouver_author("U.S. Food and Drug Administration") == "U.S. Food and Drug Administration"


def test_review_dates_and_next_review(project: Path) -> None:
    assert run_cli("build").code == 0
    html = (project / "site/treatments/sample-treatment/index.html").read_text()
    assert '<time datetime="2026-01-31">31 January 2026</time>' in html
    assert '<time datetime="2027-01-31">31 January 2027</time>' in html
    assert "Dr Test Reviewer, MBBS (GMC 0000000)" in html


def test_index_summary_claims_link_to_the_treatment_references(project: Path) -> None:
    assert run_cli("build").code == 0
    index = (project / "site/index.html").read_text()
    page = (project / "site/treatments/sample-treatment/index.html").read_text()
    summary = re.search(r"<p>(.*?)</p>", index[index.index("Sample treatment</a>") :])
    assert summary is not None
    claims = re.split(r"(?<=</a></sup>) (?=\w)", summary.group(1))
    assert len(claims) == 2 and 'id="c' not in summary.group(1)  # anchors belong to the treatment page
    for claim in claims:
        targets = re.findall(r'href="treatments/sample-treatment/#(ref-\d+)"', claim)
        assert targets and all(f'id="{t}"' in page for t in targets)


def test_og_locale_from_language() -> None:
    assert og_locale("en-GB") == "en_GB"
    assert og_locale("en") == "en"
    assert og_locale("pt-br") == "pt_BR"
    assert og_locale("zh-Hant-TW") == "zh_TW"


def test_json_script_can_never_end_its_script_element() -> None:
    data = {"text": "a </script><script>alert(1)</script> <!-- b", "n": [1, "é"]}
    serialised = str(json_script(data))
    assert "<" not in serialised
    assert json.loads(serialised) == data


def test_treatment_structured_data(project: Path) -> None:
    assert run_cli("build").code == 0
    html = (project / "site/treatments/sample-treatment/index.html").read_text()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert len(blocks) == 1
    assert blocks[0] == json_script(json.loads(blocks[0]))  # each citation's text made apart, the bytes of the whole graph's
    web_page, faq_page, clinic = json.loads(blocks[0])["@graph"]
    assert web_page["@type"] == "MedicalWebPage"
    assert web_page["lastReviewed"] == web_page["dateModified"] == "2026-01-31"
    assert web_page["isPartOf"] == {"@id": "https://clinic.example.org/#website"}
    assert web_page["publisher"] == {"@id": "https://clinic.example.org/#clinic"} == {"@id": clinic["@id"]}
    assert web_page["hasPart"] == {"@id": faq_page["@id"]} and faq_page["isPartOf"] == {"@id": web_page["@id"]}
    assert clinic["@type"] == "MedicalClinic" and clinic["telephone"] and clinic["address"]
    assert web_page["reviewedBy"] == {"@type": "Person", "name": "Dr Test Reviewer", "honorificSuffix": "MBBS"}
    assert web_page["about"] == {
        "@type": "MedicalProcedure",
        "name": "Sample treatment",
        "alternateName": ["Example therapy"],
        "procedureType": "https://schema.org/PercutaneousProcedure",
        "provider": {"@id": "https://clinic.example.org/#clinic"},
    }
    first, smith, web = web_page["citation"]
    assert first == {"@type": "ScholarlyArticle", "name": "Sample treatment: a review"}
    assert smith == {"@type": "ScholarlyArticle", "name": "A trial of the sample treatment", "url": "https://doi.org/10.1000/test.2020.1"}
    assert web == {"@type": "WebPage", "name": "About the sample treatment", "url": "https://agency.example.org/sample"}
    assert faq_page["@type"] == "FAQPage"
    question = faq_page["mainEntity"][0]
    assert question["name"] == "Does it hurt? <Really>"
    assert "<" not in question["acceptedAnswer"]["text"] and question["acceptedAnswer"]["text"]


def test_index_names_the_website_every_page_is_part_of(project: Path) -> None:
    """Regression for issue 20: isPartOf pointed at a WebSite without @id, and no page described it."""
    assert run_cli("build").code == 0
    index = (project / "site/index.html").read_text()
    website, clinic = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', index, re.DOTALL)[0])["@graph"]
    assert website == {
        "@type": "WebSite",
        "@id": "https://clinic.example.org/#website",
        "url": "https://clinic.example.org/",
        "name": "Test Clinic",
        "inLanguage": "en-GB",
        "publisher": {"@id": clinic["@id"]},
    }
    assert clinic["@type"] == "MedicalClinic" and clinic["url"] == "https://clinic.example.org/"


def test_built_pages_carry_the_strict_csp() -> None:
    content = FIXTURES / "valid" / "content"
    built = {f.path: f.content.decode() for f in pipeline.render_site(content, today=TODAY).files}
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in built["treatments/sample-treatment/index.html"]


def test_a_kept_environment_shows_the_next_builds_sources(project: Path) -> None:
    """The preview server keeps its environment from build to build; what the presentation step made is of one build only.

    (A draft build, as the preview's: the renamed source changes what the sign-off covers.)
    """
    cache = BuildCache()
    content = project / "content"
    page = "treatments/sample-treatment/index.html"

    def built() -> str:
        return {f.path: f.content.decode() for f in pipeline.render_site(content, today=TODAY, cache=cache, drafts=True).files}[page]

    assert "<cite>A trial of the sample treatment</cite>" in built()
    sources = content / "sources.yaml"
    sources.write_text(sources.read_text().replace("title: A trial of the sample treatment", "title: A renamed trial"))
    html = built()
    assert "<cite>A renamed trial</cite>" in html and "A trial of the sample treatment" not in html
    assert '"name":"A renamed trial"' in html  # its structured data too


def test_a_layout_writes_each_value_as_markupsafe_escapes_it() -> None:
    class Safe:
        def __html__(self) -> str:
            return "<b>made</b>"

    class Flag(Markup):
        pass

    env = make_environment(DEFAULT_LAYOUTS)
    template = env.from_string("{% autoescape true %}<p>{{ v }}</p>{% endautoescape %}")
    for value in ("<a & 'b'>", "", Markup("<em>x</em>"), Flag("<i>"), 42, -7, True, None, 1.5, Safe(), ["<"]):
        assert template.render(v=value) == f"<p>{escape(value)}</p>", value
