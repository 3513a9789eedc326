"""Checkers for built pages, shared by test_pages.py and test_browser.py.

Each returns a list of problems (empty when the page is fine) rather than asserting, so
the tests can print every problem at once and feed a deliberately broken page through
the same checker to prove it fails (tests/test_pages.py, tests/test_browser.py).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from clinicsite.render import CSP
from clinicsite.shape import RECORD_FILES
from clinicsite.source_kinds import SOURCE_KINDS
from tests.conftest import PROJECT

VNU_JAR = PROJECT / "node_modules/vnu-jar/build/dist/vnu.jar"
AXE_JS = PROJECT / "node_modules/axe-core/axe.min.js"
#: axe-core rule tags: every WCAG 2.0, 2.1 and 2.2 A and AA rule, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
#: The sections a treatment page's table of contents links to, in page order.
#: The contents list: one entry per record file, in the order clinicsite.shape describes them, then the references.
TOC_SECTIONS = [rf.section for rf in RECORD_FILES] + ["references"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: (tag, attribute) pairs whose URL the browser fetches while loading the page.
FETCHED = {("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"), ("iframe", "src"), ("embed", "src")}
FETCHED |= {("object", "data"), ("video", "src"), ("video", "poster"), ("audio", "src"), ("input", "src"), ("track", "src")}
#: <link rel> values that make the browser fetch the href.
FETCHING_RELS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest", "apple-touch-icon", "preconnect", "dns-prefetch"}


# --- a small DOM over html.parser ------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def iter(self) -> Iterator[Node]:
        """Yield this node and every element under it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        """Return elements under this one with this tag ('*' for any) and these attribute values ('class' matches one class)."""
        return [n for n in self.iter() if (tag == "*" or n.tag == tag) and all(_attr_matches(n, k, v) for k, v in attrs.items())]

    def find(self, tag: str, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def text(self, skip: Callable[[Node], bool] | None = None) -> str:
        """Return the text content, whitespace collapsed, leaving out elements for which skip is true (is_mark)."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif skip is None or not skip(child):
                parts.append(child.text(skip))
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


def _attr_matches(node: Node, key: str, value: str) -> bool:
    key = key.rstrip("_").replace("_", "-")
    return value in node.classes() if key == "class" else node.attrs.get(key) == value


def is_mark(node: Node) -> bool:
    """Return True for a citation mark: a link to a reference, #ref-N (on the index, to a treatment's)."""
    return node.tag == "a" and re.search(r"#ref-\d+$", node.attrs.get("href", "")) is not None


def is_citation(node: Node) -> bool:
    """Return True for a claim's citation marks: a mark, or the group (<sup>) holding a claim's marks."""
    return is_mark(node) or (node.tag == "sup" and any(is_mark(n) for n in node.iter()))


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, 0)
        self.current = self.root
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.getpos()[0], self.current)
        self.current.children.append(node)
        if "id" in node.attrs:
            self.ids.append(node.attrs["id"])
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        open_tags = [self.current, *self.current.ancestors()]
        for node in open_tags:
            if node.tag == tag:
                self.current = node.parent or self.root
                return

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


@dataclass
class Page:
    """A built page: where it is, its public URL, its tree and its ids."""

    path: Path
    url: str
    root: Node
    ids: list[str]
    name: str
    """The path relative to the site folder, as problems name the page."""

    @property
    def head(self) -> Node:
        return self.root.find("head") or Node("head", {}, 0)

    def meta(self, **attrs: str) -> str | None:
        node = self.head.find("meta", **attrs)
        return node.attrs.get("content") if node else None


def parse_page(html: str, url: str = "https://example.org/", path: Path = Path("page.html"), name: str = "") -> Page:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return Page(path, url, builder.root, builder.ids, name or path.name)


def public_url(base_url: str, relative: str) -> str:
    """Return the address a built file is published at (index.html is served as its folder)."""
    return base_url + relative.removesuffix("index.html")


def site_pages(root: Path, base_url: str) -> list[Page]:
    """Return every HTML page of a built site, parsed, in path order."""
    paths = sorted(root.rglob("*.html"))
    names = [p.relative_to(root).as_posix() for p in paths]
    return [parse_page(p.read_text(encoding="utf-8"), public_url(base_url, name), p, name) for p, name in zip(paths, names, strict=True)]


# --- structure: landmarks, headings, table of contents, citations, trust information ------------


def structure_problems(page: Page) -> list[str]:
    """Return what is missing from the semantic structure every page promises."""
    problems: list[str] = []
    html = page.root.find("html")
    if html is None or not html.attrs.get("lang"):
        problems.append("<html> has no lang")
    if len(page.root.find_all("h1")) != 1:
        problems.append(f"expected one h1, found {len(page.root.find_all('h1'))}")
    for landmark in ("header", "nav", "main", "footer"):
        if not page.root.find_all(landmark):
            problems.append(f"no <{landmark}> landmark")
    if len(page.root.find_all("main")) > 1:
        problems.append("more than one <main>")
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate ids: {', '.join(duplicates)}")
    body = page.root.find("body")
    first_link = body.find("a") if body else None
    if first_link is None or first_link.attrs.get("href") != "#main" or "main" not in page.ids:
        problems.append("the first link is not a skip link to #main")
    level = 0
    for heading in page.root.find_all("*"):
        if re.fullmatch(r"h[1-6]", heading.tag):
            new = int(heading.tag[1])
            if new > level + 1:
                problems.append(f"line {heading.line}: <{heading.tag}> '{heading.text()}' skips a level after h{level}")
            level = new
    return problems


def treatment_problems(page: Page) -> list[str]:
    """Return what a treatment page lacks: contents, FAQs, steps, citations both ways, review."""
    problems: list[str] = []
    toc = page.root.find("nav", class_="toc")
    targets = [a.attrs.get("href", "") for a in toc.find_all("a")] if toc else []
    # urgent care, when the page has it, is linked first (issue 18)
    if targets[:1] == ["#side-effect-urgent-help"] and page.root.find("section", id="side-effect-urgent-help"):
        targets = targets[1:]
    if targets != [f"#{s}" for s in TOC_SECTIONS]:
        problems.append(f"table of contents links to {targets}, expected {[f'#{s}' for s in TOC_SECTIONS]}")
    for section in TOC_SECTIONS:
        if section not in page.ids:
            problems.append(f"no section with id '{section}'")
    faqs = page.root.find("section", id="faqs")
    as_list = faqs is not None and bool(faqs.find_all("dt")) and len(faqs.find_all("dt")) == len(faqs.find_all("dd"))
    if not as_list and (faqs is None or not faqs.find_all("details")):
        problems.append("FAQs are not a description list (dt/dd) or details/summary")
    steps = page.root.find("section", id="how-it-works")
    if steps is None or steps.find("ol") is None or not steps.find_all("li"):
        problems.append("the mechanism steps are not an ordered list")
    problems += citation_problems(page)
    problems += review_problems(page)
    return problems


def citation_problems(page: Page) -> list[str]:
    """Return citation links without a name, references without a kind, and missing back-links."""
    problems: list[str] = []
    cited_by: dict[str, set[str]] = {}
    for link in filter(is_mark, page.root.iter()):
        label, href = link.attrs.get("aria-label", ""), link.attrs.get("href", "")
        first, _, last = link.text().partition("\u2013")  # a run of sources, "2-5" with an en dash, is one mark
        named = rf"sources {first}\u2013{last}\b" if last else rf"source {re.escape(first)}\b"
        if not re.match(named, label) or href.rpartition("#ref-")[2] != first:
            problems.append(f"line {link.line}: citation link '{link.text()}' has no accessible name '{named[:-2]}' (aria-label={label!r})")
        claim = next((a for a in link.ancestors() if a.tag == "span" and "id" in a.attrs), None)  # a claim: <span id="cN">
        if claim is not None and "id" in claim.attrs and first.isdigit():
            for number in range(int(first), int(last or first) + 1) if (last or first).isdigit() else ():
                cited_by.setdefault(f"ref-{number}", set()).add(claim.attrs["id"])
    references = page.root.find("ol", class_="references")
    items = references.find_all("li") if references else []
    if not items:
        problems.append("no reference list")
    words = {f"{kind.label}." for kind in SOURCE_KINDS}
    for item in items:
        ref = item.attrs.get("id", "")
        kind = item.find("span", class_="kind")
        if kind is None or kind.text() not in words:
            problems.append(f"{ref}: no evidence kind in words")
        backlinks = {a.attrs.get("href", "").removeprefix("#") for a in item.find_all("a") if any("backlinks" in n.classes() for n in a.ancestors())}
        if backlinks != cited_by.get(ref, set()):
            problems.append(f"{ref}: links back to {sorted(backlinks)} but is cited by {sorted(cited_by.get(ref, set()))}")
    unlisted = set(cited_by) - {i.attrs.get("id", "") for i in items}
    if unlisted:
        problems.append(f"citations to missing references: {sorted(unlisted)}")
    return problems


#: What an example page's review box says instead of a review date.
PLACEHOLDER_REVIEW = "No clinician has reviewed this example page."


def placeholder_problems(page: Page, text: str) -> list[str]:
    """Return what an example page lacks: the example banner, and no claim of a review."""
    problems = []
    banner = page.root.find("p", class_="example-banner")
    if banner is None or "placeholders" not in banner.text():
        problems.append("an example page without the example banner")
    if "Page last reviewed" in text or "Next review due" in text:
        problems.append("an example page claims a review")
    return problems


def review_problems(page: Page) -> list[str]:
    """Return missing trust information: review dates, reviewer, disclaimer, contact, booking."""
    problems: list[str] = []
    review = page.root.find("section", class_="review")
    text = review.text() if review else ""
    if PLACEHOLDER_REVIEW in text:  # the example site: it must say so, and claim no review
        return placeholder_problems(page, text)
    for label in ("Page last reviewed", "Next review due"):
        match = re.search(rf"{label}: (\d+ \w+ \d{{4}})", text)
        if not match:
            problems.append(f"no '{label}: <date>'")
    times = review.find_all("time") if review else []
    if len(times) < 2 or not all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.attrs.get("datetime", "")) for t in times):
        problems.append("review dates are not <time datetime=YYYY-MM-DD>")
    if not re.search(r"Page last reviewed: .+, by .+, .+\.", text):
        problems.append("no reviewer name and credentials")
    if review is None or review.find("p", class_="disclaimer") is None:
        problems.append("no medical disclaimer")
    footer = page.root.find("footer")
    hrefs = [a.attrs.get("href", "") for a in footer.find_all("a")] if footer else []
    if not any(h.startswith("tel:") for h in hrefs) or not any(h.startswith("mailto:") for h in hrefs):
        problems.append("no phone and email in the footer")
    return problems


# --- links, fragments and requests to other hosts ------------------------------------------------


def _links(page: Page) -> Iterator[tuple[Node, str]]:
    """Yield every (element, URL) of the page that points somewhere: links, resources, og:url."""
    for node in page.root.iter():
        for attr in ("href", "src", "data", "poster"):
            if attr in node.attrs:
                yield node, node.attrs[attr]
        for attr in ("srcset", "imagesrcset"):
            for candidate in node.attrs.get(attr, "").split(","):
                if candidate.strip():
                    yield node, candidate.split()[0]
        if node.tag == "meta" and node.attrs.get("property") == "og:url":
            yield node, node.attrs.get("content", "")


def local_file(root: Path, base_url: str, url: str) -> Path | None:
    """Return the built file an address on the site's host is served from, or None outside the site."""
    base, target = urlsplit(base_url), urlsplit(url)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not target.path.startswith(base.path):
        return None
    relative = unquote(target.path[len(base.path) :])
    return root / (relative + "index.html" if relative == "" or relative.endswith("/") else relative)


def link_problems(pages: list[Page], root: Path, base_url: str, elsewhere: frozenset[str] = frozenset()) -> list[str]:
    """Return links within the site whose file is not built or whose #fragment is not an id there.

    Links to other hosts are navigations, not checked. `elsewhere` lists same-host addresses
    the site does not build (the clinic's booking system).
    """
    base = urlsplit(base_url)
    ids = {p.path.resolve(): set(p.ids) for p in pages}
    problems: list[str] = []
    for page in pages:
        for node, value in _links(page):
            if value.startswith(("mailto:", "tel:", "data:")):
                continue
            target = urlsplit(urljoin(page.url, value))
            if (target.scheme, target.netloc) != (base.scheme, base.netloc) or target._replace(fragment="").geturl() in elsewhere:
                continue
            where = f"{page.name}:{node.line}: <{node.tag}> {value!r}"
            file = local_file(root, base_url, target.geturl())
            if file is None:
                problems.append(f"{where} is outside the site's address {base_url}")
            elif not file.is_file():
                problems.append(f"{where} names a file that was not built: {file.relative_to(root)}")
            elif target.fragment and file.suffix == ".html":
                known = ids.get(file.resolve())
                if known is None:
                    known = set(parse_page(file.read_text(encoding="utf-8")).ids)
                if unquote(target.fragment) not in known:
                    problems.append(f"{where}: no element with id '{target.fragment}' in {file.relative_to(root)}")
    return problems


def _is_fetched(node: Node, attr: str) -> bool:
    if node.tag == "link":
        return attr == "href" and bool(set(node.attrs.get("rel", "").lower().split()) & FETCHING_RELS)
    return (node.tag, attr) in FETCHED


def _css_urls(css: str) -> list[str]:
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    urls += re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return urls


def foreign_request_problems(pages: list[Page], root: Path, base_url: str) -> list[str]:
    """Return scripts, styles, fonts and images that pages or stylesheets load from another host.

    An <a href> to another host is a navigation, not a request, and is fine.
    """
    host = urlsplit(base_url).netloc
    problems: list[str] = []

    def foreign(url: str, against: str) -> bool:
        return not url.startswith("data:") and urlsplit(urljoin(against, url)).netloc != host

    for page in pages:
        for node in page.root.iter():
            for attr, value in node.attrs.items():
                candidates = [c.split()[0] for c in value.split(",") if c.strip()] if attr.endswith("srcset") else [value]
                for url in candidates if _is_fetched(node, attr.removeprefix("image") if attr == "imagesrcset" else attr) else []:
                    if foreign(url, page.url):
                        problems.append(f"{page.name}:{node.line}: <{node.tag} {attr}> loads {url} from another host")
            styles = [node.attrs.get("style", "")] + ([c for c in node.children if isinstance(c, str)] if node.tag == "style" else [])
            for url in (u for s in styles for u in _css_urls(s)):
                if foreign(url, page.url):
                    problems.append(f"{page.name}:{node.line}: inline style loads {url} from another host")
    for css in sorted(root.rglob("*.css")):
        address = public_url(base_url, css.relative_to(root).as_posix())
        for url in _css_urls(css.read_text(encoding="utf-8")):
            if foreign(url, address):
                problems.append(f"{css.relative_to(root)}: loads {url} from another host")
    return problems


# --- head: title, description, canonical, Open Graph, CSP, render-blocking requests ---------------


def head_problems(page: Page, site_name: str, language: str) -> list[str]:
    """Return what an indexable page's head lacks; the strict CSP is checked on every page."""
    problems: list[str] = []
    title = page.head.find("title")
    if title is None or not title.text():
        problems.append("no <title>")
    csp = page.head.find("meta", http_equiv="Content-Security-Policy")
    if csp is None or csp.attrs.get("content") != CSP:
        problems.append(f"the Content-Security-Policy meta is not the strict policy: {csp.attrs.get('content') if csp else None!r}")
    first = [c for c in page.head.children if isinstance(c, Node)][:2]
    if csp is not None and [n.attrs for n in first] != [{"charset": "utf-8"}, csp.attrs]:
        problems.append("the Content-Security-Policy meta must come right after <meta charset>, before anything it governs")
    description = page.meta(name="description")
    if not description:
        problems.append("no meta description")  # a noindex page still shows one where it is shared
    if page.meta(name="robots") == "noindex":
        return problems
    canonical = page.head.find("link", rel="canonical")
    if canonical is None or canonical.attrs.get("href") != page.url:
        problems.append(f"canonical is {canonical.attrs.get('href') if canonical else None!r}, expected {page.url!r}")
    locale = language.replace("-", "_")
    expected = {"og:url": page.url, "og:site_name": site_name, "og:description": description, "og:locale": locale}
    for prop in ("og:title", "og:type", "og:description", "og:url", "og:site_name", "og:locale"):
        value = page.meta(property=prop)
        if not value or (prop in expected and value != expected[prop]):
            problems.append(f"{prop} is {value!r}" + (f", expected {expected[prop]!r}" if prop in expected else ""))
    return problems


def render_blocking_problems(page: Page) -> list[str]:
    """Return requests that hold up the first paint beyond the one stylesheet."""
    problems: list[str] = []
    stylesheets = [n for n in page.root.find_all("link") if "stylesheet" in n.attrs.get("rel", "").split()]
    if len(stylesheets) != 1:
        problems.append(f"expected exactly one stylesheet link, found {len(stylesheets)}")
    for script in page.root.find_all("script"):
        if "src" in script.attrs:
            problems.append(f"line {script.line}: <script src={script.attrs['src']!r}> (the pages need no JavaScript)")
        elif script.attrs.get("type") != "application/ld+json":
            problems.append(f"line {script.line}: inline script (forbidden by the CSP)")
    if page.root.find_all("style") or any("style" in n.attrs for n in page.root.iter()):
        problems.append("inline styles (forbidden by the CSP)")
    return problems


def page_weight(page: Page, root: Path, base_url: str) -> int:
    """Return the bytes of a page's HTML plus the stylesheets it links, uncompressed."""
    size = page.path.stat().st_size
    for link in page.root.find_all("link"):
        if "stylesheet" in link.attrs.get("rel", "").split():
            css = local_file(root, base_url, urljoin(page.url, link.attrs["href"]))
            assert css is not None and css.is_file(), f"{page.name}: stylesheet {link.attrs['href']} is not a built file"
            size += css.stat().st_size
    return size


# --- structured data ----------------------------------------------------------------------------


def json_ld(page: Page) -> list[Any]:
    """Return the parsed JSON-LD blocks of a page; invalid JSON raises ValueError naming the line."""
    blocks = []
    for script in page.root.find_all("script", type="application/ld+json"):
        text = "".join(c for c in script.children if isinstance(c, str))
        try:
            blocks.append(json.loads(text))
        except ValueError as exc:
            raise ValueError(f"{page.name}:{script.line}: JSON-LD is not valid JSON: {exc}") from exc
    return blocks


def structured_data_problems(page: Page) -> list[str]:
    """Return where a treatment page's JSON-LD is missing or disagrees with what the page shows."""
    try:
        blocks = json_ld(page)
    except ValueError as exc:
        return [str(exc)]
    nodes = [n for b in blocks for n in (b.get("@graph", [b]) if isinstance(b, dict) else [])]
    web = next((n for n in nodes if n.get("@type") == "MedicalWebPage"), None)
    faq = next((n for n in nodes if n.get("@type") == "FAQPage"), None)
    if web is None or faq is None:
        return [f"expected a MedicalWebPage and an FAQPage, found {[n.get('@type') for n in nodes]}"]
    problems: list[str] = []
    review = page.root.find("section", class_="review")
    shown = review.find("time") if review else None
    if review is not None and PLACEHOLDER_REVIEW in review.text():
        if {"lastReviewed", "reviewedBy"} & web.keys():
            problems.append("an example page's JSON-LD claims a review")
    elif shown is None or web.get("lastReviewed") != shown.attrs.get("datetime"):
        problems.append(f"lastReviewed {web.get('lastReviewed')!r} is not the date the page shows")
    reviewer = web.get("reviewedBy", {})
    if review is not None and PLACEHOLDER_REVIEW in review.text():
        pass
    elif reviewer.get("@type") != "Person" or not reviewer.get("name") or reviewer["name"] not in (review.text() if review else ""):
        problems.append(f"reviewedBy {reviewer!r} is not the Person the page names")
    about = web.get("about", {})
    h1 = page.root.find("h1")
    if about.get("@type") != "MedicalProcedure" or about.get("name") != (h1.text() if h1 else None):
        problems.append(f"about {about!r} is not a MedicalProcedure named as the h1")
    aka = page.root.find("p", class_="aka")
    if aka is not None and not all(name in aka.text() for name in about.get("alternateName", [None])):
        problems.append("alternateName does not list the other names the page shows")
    if web.get("url") != page.url:
        problems.append(f"url {web.get('url')!r} is not the page's address")
    problems += graph_problems(page, nodes, web, faq)
    references = page.root.find("ol", class_="references")
    items = references.find_all("li") if references else []
    citations = web.get("citation", [])
    if len(citations) != len(items):
        problems.append(f"{len(citations)} citations for {len(items)} references")
    for item, citation in zip(items, citations, strict=False):
        title = item.find("cite")
        if citation.get("name") != (title.text() if title else None) or "@type" not in citation:
            problems.append(f"citation {citation.get('name')!r} does not match {item.attrs.get('id')}")
        dois = [a.attrs["href"] for a in item.find_all("a") if a.attrs.get("href", "").startswith("https://doi.org/")]
        if dois and dois[0] not in [citation.get("url"), *citation.get("sameAs", [])]:
            problems.append(f"citation {citation.get('name')!r} lacks its DOI link")
    section = page.root.find("section", id="faqs")
    questions = [dt.text() for dt in section.find_all("dt")] if section else []
    answers = [dd.text(skip=is_citation) for dd in section.find_all("dd")] if section else []
    entities = faq.get("mainEntity", [])
    if [q.get("name") for q in entities] != questions:
        problems.append(f"FAQPage questions {[q.get('name') for q in entities]} are not the page's {questions}")
    for entity, answer in zip(entities, answers, strict=False):
        if entity.get("acceptedAnswer", {}).get("text") != answer:
            problems.append(f"answer to {entity.get('name')!r} is not the page's answer text")
    return problems


def graph_problems(page: Page, nodes: list[dict[str, Any]], web: dict[str, Any], faq: dict[str, Any]) -> list[str]:
    """Return where a treatment page's graph is not linked: the site, the clinic as publisher and provider, the FAQ as a part, dateModified."""
    problems: list[str] = []
    by_id = {n.get("@id"): n for n in nodes if "@id" in n}
    if not str(web.get("isPartOf", {}).get("@id", "")).endswith("#website"):
        problems.append(f"isPartOf {web.get('isPartOf')!r} does not name the site's WebSite by @id")
    clinic = by_id.get(web.get("publisher", {}).get("@id"), {})
    footer = page.root.find("footer")
    if clinic.get("@type") != "MedicalClinic" or not footer or clinic.get("telephone") not in footer.text():
        problems.append(f"publisher {web.get('publisher')!r} is not the MedicalClinic whose phone the footer shows")
    if web.get("about", {}).get("provider") != web.get("publisher"):
        problems.append("the procedure's provider is not the clinic")
    if web.get("hasPart") != {"@id": faq.get("@id")} or faq.get("isPartOf") != {"@id": web.get("@id")}:
        problems.append("the FAQPage is not linked into the MedicalWebPage (hasPart / isPartOf by @id)")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(web.get("dateModified"))):
        problems.append(f"dateModified {web.get('dateModified')!r} is not a date")
    return problems


# --- the Nu Html Checker and axe-core ----------------------------------------------------------


def run_vnu(paths: list[Path]) -> list[dict[str, Any]]:
    """Run the Nu Html Checker once over these HTML and CSS files; return its messages."""
    command = ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--also-check-css", "--exit-zero-always", *map(str, paths)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    messages: list[dict[str, Any]] = json.loads(result.stdout)["messages"]
    return messages


def vnu_errors(messages: list[dict[str, Any]], path: Path | None = None) -> list[str]:
    """Return the error messages (of one file, if given) as 'file:line: message'."""
    found = []
    for m in messages:
        if m["type"] in ("error", "non-document-error") and (path is None or m.get("url", "").endswith(path.as_posix())):
            found.append(f"{m.get('url', '?').rpartition('/')[2]}:{m.get('lastLine', '?')}: {m['message']}")
    return found


def axe_summary(violations: list[dict[str, Any]]) -> list[str]:
    """Return axe-core violations as one line each: rule, impact, help and where."""
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}" for v in violations]
