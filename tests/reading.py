"""What a reader sees: the rendered text of a page, checked as text, not as structure (issue 20).

Structure checks passed while the index read "keeps skin firm.,²,³": the comma between two
marks came from a CSS sibling selector that ignored the claim text between them. These
checkers read the text the way a patient does, with the citation marks in it.
"""

from __future__ import annotations

import re

from tests.checks import Node, Page, is_mark

DASH = "\u2013"  # the en dash that joins a run of marks, "2-5"

#: Punctuation that no sentence, citation group or reference entry should show; each with why.
STRAY = {
    r"[.,;:!?]\s*,": "a comma after other punctuation",
    r",\s*[.,;:]": "punctuation after a comma",
    r"\S\s+[,;:](?=\s|$)": "a space before a comma, semicolon or colon",
    r"(?<!\.)\.\.(?!\.)": "a doubled full stop",
    r";\s*(?:[;:.]|\[cited)": "a semicolon with nothing after it (Citing Medicine keeps one only before a volume, an issue or a date)",
    r"\(\s*\)": "empty brackets",
    r"\[cited [^\]]*\d{4}-\d{2}-\d{2}\]": "a cited date written as ISO, not as Citing Medicine's '2025 Jan 3'",
}
#: A claim's group of marks, as shown: numbers and en-dash runs joined by commas, nothing else.
GROUP = re.compile(rf"\d+(?:{DASH}\d+)?(?:,\d+(?:{DASH}\d+)?)*")


def text_problems(text: str) -> list[str]:
    """Return each stray punctuation in text, with the words around it."""
    problems = []
    for pattern, why in STRAY.items():
        for match in re.finditer(pattern, text):
            problems.append(f"{why}: …{text[max(match.start() - 30, 0) : match.end() + 30]}…")
    return problems


def group_problems(group: Node) -> list[str]:
    """Return what is wrong with one claim's marks: not ascending, a repeat, a run of three or more not joined, stray text."""
    shown = group.text()
    if not GROUP.fullmatch(shown):
        return [f"line {group.line}: citation marks read {shown!r}, expected numbers like '2,6{DASH}9'"]
    spans = [tuple(map(int, part.split(DASH))) for part in shown.split(",")]
    numbers = [n for span in spans for n in range(span[0], span[-1] + 1)]
    problems = []
    if numbers != sorted(set(numbers)):
        problems.append(f"line {group.line}: citation marks {shown!r} are not ascending without repeats")
    singles = [span[0] for span in spans if len(span) == 1]
    if any(singles[i + 2] - singles[i] == 2 and singles[i + 1] - singles[i] == 1 for i in range(len(singles) - 2)):
        problems.append(f"line {group.line}: citation marks {shown!r} list three consecutive numbers instead of a run (2{DASH}4)")
    return problems


def reading_problems(page: Page) -> list[str]:
    """Return the stray punctuation in a page's visible text and every badly written group of citation marks."""
    body = page.root.find("body")
    if body is None:
        return ["no <body>"]
    groups = [n for n in body.iter() if n.tag == "sup" and any(is_mark(m) for m in n.iter())]
    loose = [m for m in filter(is_mark, body.iter()) if not any(a.tag == "sup" for a in m.ancestors())]
    problems = [f"line {m.line}: citation mark '{m.text()}' is not inside its claim's group (<sup>)" for m in loose]
    problems += [p for g in groups for p in group_problems(g)]
    return problems + text_problems(body.text())
