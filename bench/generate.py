"""Write a deterministic synthetic clinic in our content format: N treatments, 200 sources.

Every treatment has 30 records and about 94 claims in inline Markdown (emphasis, strong,
links, code, escaped characters), and the content passes every validation rule: each claim
cites a study in people first, numbers carry a locator, no policy words, and each page was
signed off 30 days before `today` (with `build.py review`). The same N and today always give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
from pathlib import Path

from clinicsite.evidence import _NUMBER as NUMBER
from clinicsite.review import Request, sign_off
from clinicsite.source_kinds import HUMAN_EVIDENCE

SOURCES = 200
KINDS = ("clinical-trial", "systematic-review", "clinical-study", "review", "guideline", "animal-study", "web-page", "book")
HUMAN = [i for i in range(SOURCES) if KINDS[i % len(KINDS)] in HUMAN_EVIDENCE]
SUBJECTS = ("The skin", "Redness", "The treated area", "Healing", "Texture", "Tone", "The surface layer", "Swelling")
VERBS = ("looked smoother", "settled", "changed little", "was rated better", "felt tight", "was measured again", "improved a little")
#: One inline construct per claim, cycling; {n} is a number that then needs a locator.
FORMS = (
    "{s} {v} after {n} weeks in a *small* trial.",
    "{s} {v} in a **controlled** study.",
    "{s} {v}, as the [study report](https://example.org/report) says.",
    "{s} {v} when the `serum` was applied.",
    "{s} {v} in {n}% of people & their doctors agreed that 5 < 6.",
    "{s} {v} in a review of several studies.",
    "{s} {v}; the authors call this *modest* and **uncertain**.",
)
SECTIONS = {"benefits.yaml": ("benefit", 8, 3), "mechanism.yaml": ("step", 6, 3), "side-effects.yaml": ("effect", 8, 2), "faqs.yaml": ("faq", 8, 3)}


def cohort(k: int) -> str:
    """Return a unique name for k without digits (a digit would need a locator), e.g. 'Qbc'."""
    letters = ""
    while True:
        k, r = divmod(k, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
        if not k:
            return "Q" + letters


class Claims:
    """Hand out claim texts and citations in a fixed cycle, so every source gets cited."""

    def __init__(self) -> None:
        self.count = 0

    def yaml(self, indent: str) -> str:
        k = self.count
        self.count += 1
        form = FORMS[k % len(FORMS)].format(s=SUBJECTS[k % len(SUBJECTS)], v=VERBS[(k // 7) % len(VERBS)], n=3 + k % 40)
        text = f"In cohort {cohort(k)}, {form[0].lower()}{form[1:]}"  # unique, so no cache can hide the work
        cites = [HUMAN[k % len(HUMAN)], (2 * k) % SOURCES, (2 * k + 1) % SOURCES]
        locator = NUMBER.first_match(text) is not None
        items = [f'{{source: s{c:03d}, locator: "Table {1 + c % 4}"}}' if locator and j == 0 else f"s{c:03d}" for j, c in enumerate(dict.fromkeys(cites))]
        return f"{indent}text: {json.dumps(text)}\n{indent}cite: [{', '.join(items)}]\n"

    def block(self, n: int, indent: str) -> str:
        return "".join(f"{indent}- " + self.yaml(indent + "  ")[len(indent) + 2 :] for _ in range(n))


def site_yaml() -> str:
    return """name: Benchmark Clinic
base_url: https://bench.example.org/
language: en-GB
contact:
  phone: "+44 20 7946 0000"
  email: hello@bench.example.org
  address: 1 Bench Street, London
  booking_url: https://bench.example.org/book/
review_interval_months: 12
# The generated sentences are random: a few summaries land just above grade 6, so the
# target is set higher (every section's grade is still computed, so its cost is measured).
reading_grade: 8
reviewers:
  - id: dr-bench
    name: Dr Bench Reviewer
    credentials: MBBS
"""


def source_yaml(i: int, today: datetime.date) -> str:
    kind = KINDS[i % len(KINDS)]
    lines = [f"- id: s{i:03d}", f"  kind: {kind}", f"  title: Source number {i} about skin treatments", f"  authors: [Alex B. Author{i}, Sam Writer]"]
    if kind == "web-page":
        return "\n".join([*lines, "  publisher: Health Agency", f"  url: https://agency.example.org/page-{i}", f'  accessed: "{today.isoformat()}"']) + "\n"
    lines += [f"  year: {2000 + i % 20}", "  journal: Journal of Benchmarks", f'  volume: "{i % 30 + 1}"', "  pages: 100-110"]
    return "\n".join([*lines, f"  doi: 10.1000/bench.{i}", f'  pmid: "{10000000 + i}"']) + "\n"


def treatment_yaml(n: int, claims: Claims) -> str:
    return f"title: Treatment {n}\nalso_known_as: [Therapy {n}]\nsummary:\n  claims:\n{claims.block(3, '    ')}"


def records_yaml(name: str, claims: Claims) -> str:
    word, count, per = SECTIONS[name]
    out = []
    for r in range(1, count + 1):
        head = f"question: Question {r} about {word}s?" if name == "faqs.yaml" else f"title: The {word} {r}"
        body = f"- id: {word}-{r}\n  {head}\n  claims:\n{claims.block(per, '    ')}"
        if name == "side-effects.yaml":
            body += "  duration:\n" + claims.yaml("    ")
            body += f"  seek_help:\n    claims:\n{claims.block(1, '      ')}" if r == 1 else ""
        out.append(body)
    return "\n".join(out)


def generate(root: Path, n: int, today: datetime.date) -> Path:
    """Write a clinic of n treatments into root/content (replacing it) and return that folder."""
    content = root / "content"
    shutil.rmtree(content, ignore_errors=True)
    (content / "treatments").mkdir(parents=True)
    (content / "site.yaml").write_text(site_yaml())
    (content / "sources.yaml").write_text("\n".join(source_yaml(i, today) for i in range(SOURCES)))
    claims = Claims()
    for t in range(1, n + 1):
        folder = content / "treatments" / f"treatment-{t:04d}"
        folder.mkdir()
        (folder / "treatment.yaml").write_text(treatment_yaml(t, claims))
        for name in SECTIONS:
            (folder / name).write_text(records_yaml(name, claims))
    # every page signed off 30 days before today, by the command a reviewer runs
    sign_off(content, Request((), True, "dr-bench", "full", today - datetime.timedelta(days=30), None, today))
    return content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("n", type=int, help="number of treatments")
    parser.add_argument("--root", type=Path, default=Path("bench/out"), help="folder to write content/ into (default: bench/out)")
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=datetime.date.today(), help="review dates are 30 days before this day")
    args = parser.parse_args()
    print(generate(args.root, args.n, args.today))


if __name__ == "__main__":
    main()
