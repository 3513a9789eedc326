"""`build.py diff <git-ref>`: what changed in medical terms between a git ref and the working tree.

A reviewing clinician should read claims, not a YAML diff: claims added, removed and
reworded (old and new text), citations changed, sources added, removed or edited, and
review dates changed, as Markdown (the pull-request workflow writes it to the job summary).
Content is read as loaded, before validation, so a change that breaks the content still
shows what it changed.
"""

from __future__ import annotations

import difflib
import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinicsite.loader import ContentTree, load_content
from clinicsite.shape import RECORD_FILES, SIGN_OFFS_FILE

#: How alike two claims of one record must be to count as one claim reworded (difflib ratio).
REWORDED = 0.5
_SECTIONS = tuple(rf.name for rf in RECORD_FILES)


class ChangelogError(Exception):
    """The ref could not be read; the message says why."""


@dataclass(frozen=True)
class ClaimAt:
    """A claim as written, and where: treatment, file, record, part."""

    where: str
    text: str
    cites: tuple[str, ...]


def _cites(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else []
    return tuple(str(c.get("source")) if isinstance(c, dict) else str(c) for c in items)


def _claims_of(where: str, claims: Any) -> Iterator[ClaimAt]:
    for claim in claims if isinstance(claims, list) else []:
        if isinstance(claim, dict) and isinstance(claim.get("text"), str):
            yield ClaimAt(where, " ".join(claim["text"].split()), _cites(claim.get("cite")))


def _records(data: Any) -> Iterator[dict[str, Any]]:
    yield from (r for r in (data if isinstance(data, list) else []) if isinstance(r, dict))


def tree_claims(tree: ContentTree) -> dict[str, list[ClaimAt]]:
    """Return every claim of the tree, grouped by where it sits (e.g. 'microneedling / benefits / acne-scars')."""
    groups: dict[str, list[ClaimAt]] = {}
    for treatment in tree.treatments:
        overview = treatment.documents.get("treatment.yaml")
        summary = overview.data.get("summary") if overview and isinstance(overview.data, dict) else None
        where = f"{treatment.slug} / summary"
        groups.setdefault(where, []).extend(_claims_of(where, summary.get("claims") if isinstance(summary, dict) else None))
        for name in _SECTIONS:
            doc = treatment.documents.get(name)
            for record in _records(doc.data if doc else None):
                base = f"{treatment.slug} / {name.removesuffix('.yaml')} / {record.get('id')}"
                groups.setdefault(base, []).extend(_claims_of(base, record.get("claims")))
                if isinstance(record.get("duration"), dict):
                    groups.setdefault(f"{base} / how long", []).extend(_claims_of(f"{base} / how long", [record["duration"]]))
                help_ = record.get("seek_help")
                if isinstance(help_, dict):
                    groups.setdefault(f"{base} / when to contact", []).extend(_claims_of(f"{base} / when to contact", help_.get("claims")))
    return groups


def _pair(old: list[ClaimAt], new: list[ClaimAt]) -> tuple[list[tuple[ClaimAt, ClaimAt]], list[ClaimAt], list[ClaimAt], list[tuple[ClaimAt, ClaimAt]]]:
    """Return (reworded pairs, removed, added, same text with other citations) for one record."""
    new_left = list(new)
    removed, recited = [], []
    for claim in old:
        same = next((n for n in new_left if n.text == claim.text), None)
        if same is None:
            removed.append(claim)
            continue
        new_left.remove(same)
        if same.cites != claim.cites:
            recited.append((claim, same))
    reworded = []
    for claim in list(removed):
        scored = [(difflib.SequenceMatcher(None, claim.text, n.text).ratio(), i) for i, n in enumerate(new_left)]
        best = max(scored, default=(0.0, -1))
        if best[0] >= REWORDED:
            reworded.append((claim, new_left.pop(best[1])))
            removed.remove(claim)
    return reworded, removed, new_left, recited


#: Characters Markdown would read as markup inside a line, each shown as itself instead.
_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\`*_[]~|"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def _md(value: object) -> str:
    """Return value as Markdown text that shows it as written, on one line.

    Content is the author's, not the changelog's: a source title ending in `<!--` hid the
    rest of the reviewer's changelog, review changes included, and `**` or `[x](y)` in a
    claim changed how the reviewer saw it.
    """
    return " ".join(str(value).split()).translate(_MARKDOWN)


def _ids(cites: tuple[str, ...]) -> str:
    return ", ".join(_md(c) for c in cites) or "nothing"


def _quote(claim: ClaimAt) -> str:
    return f"“{_md(claim.text)}” — cites {_ids(claim.cites)}"


def _claim_sections(old: dict[str, list[ClaimAt]], new: dict[str, list[ClaimAt]]) -> list[str]:
    added, removed, reworded, recited = [], [], [], []
    for where in sorted(set(old) | set(new)):
        pairs, gone, fresh, cites = _pair(old.get(where, []), new.get(where, []))
        at = _md(where)
        added += [f"- **{at}**: {_quote(c)}" for c in fresh]
        removed += [f"- **{at}**: {_quote(c)}" for c in gone]
        reworded += [f"- **{at}**\n  - before: {_quote(a)}\n  - after: {_quote(b)}" for a, b in pairs]
        recited += [f"- **{at}**: “{_md(a.text)}” — was {_ids(a.cites)}, now {_ids(b.cites)}" for a, b in cites]
    titles = ("Claims added", "Claims removed", "Claims reworded", "Citations changed")
    return [f"## {title} ({len(lines)})\n\n" + "\n".join(lines) for title, lines in zip(titles, (added, removed, reworded, recited), strict=True) if lines]


def _sources(tree: ContentTree) -> dict[str, dict[str, Any]]:
    data = tree.sources.data if tree.sources else None
    return {str(s.get("id")): s for s in _records(data)}


def _source_section(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"- added **{_md(i)}**: {_md(new[i].get('title'))} ({_md(new[i].get('kind'))})" for i in sorted(new.keys() - old.keys())]
    lines += [f"- removed **{_md(i)}**: {_md(old[i].get('title'))}" for i in sorted(old.keys() - new.keys())]
    for i in sorted(old.keys() & new.keys()):
        keys = sorted(old[i].keys() | new[i].keys(), key=str)
        changed = [f"{_md(k)}: {_md(repr(old[i].get(k)))} → {_md(repr(new[i].get(k)))}" for k in keys if old[i].get(k) != new[i].get(k)]
        if changed:
            lines.append(f"- changed **{_md(i)}**: " + "; ".join(changed))
    return [f"## Sources ({len(lines)})\n\n" + "\n".join(lines)] if lines else []


def _reviews(tree: ContentTree) -> dict[str, str]:
    """Return each treatment's latest sign-off, as 'full sign-off by ID on DATE', or 'not signed off'."""
    found = {}
    for treatment in tree.treatments:
        doc = treatment.documents.get(SIGN_OFFS_FILE)
        last = doc.data[-1] if doc and isinstance(doc.data, list) and doc.data and isinstance(doc.data[-1], dict) else None
        found[treatment.slug] = f"{last.get('scope')} sign-off by {last.get('by')} on {last.get('date')}" if last else "not signed off"
    return found


def _review_section(old: dict[str, str], new: dict[str, str]) -> list[str]:
    changed = [slug for slug in sorted(old.keys() | new.keys()) if old.get(slug) != new.get(slug)]
    lines = [f"- **{_md(slug)}**: {_md(old.get(slug, 'absent'))} → {_md(new.get(slug, 'absent'))}" for slug in changed]
    return [f"## Reviews ({len(lines)})\n\n" + "\n".join(lines)] if lines else []


def _content_at(ref: str, content: Path, into: Path) -> Path:
    """Extract content/ as it was at ref into a scratch folder; return the folder."""

    def git(*args: str, where: Path = content) -> bytes:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, check=False)
        if done.returncode:
            raise ChangelogError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    root = Path(git("rev-parse", "--show-toplevel").decode().strip())
    rel = content.resolve().relative_to(root.resolve()).as_posix()
    # REF is only ever a revision: never an option (--output=FILE truncated FILE), never a path
    try:
        commit = git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", where=root).decode().strip()
    except ChangelogError:
        raise ChangelogError(f"'{ref}' is not a valid object name: give a commit, branch or tag, e.g. origin/main or HEAD~1") from None
    archive = git("archive", "--format=tar", commit, "--", rel, where=root)
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(into, filter="data")
    except tarfile.TarError as exc:  # e.g. a link in the old content pointing at an absolute path
        raise ChangelogError(f"the content at '{ref}' cannot be unpacked safely: {exc}") from exc
    return into / rel


def sign_off_commit(content: Path, slug: str) -> str:
    """Return the commit that last changed slug's sign-off record: what the reviewer signed."""
    record = content / "treatments" / slug / SIGN_OFFS_FILE
    if not record.is_file():
        raise ChangelogError(f"'{slug}' has no sign-off record ({record}); compare with a git ref instead")
    done = subprocess.run(["git", "-C", str(record.parent), "log", "-1", "--format=%H", "--", SIGN_OFFS_FILE], capture_output=True, check=False)
    commit = done.stdout.decode().strip()
    if done.returncode or not commit:
        raise ChangelogError(f"git has no commit of {record} yet; commit the sign-off first, or compare with a git ref")
    return commit


def claims_changelog(content: Path, ref: str) -> str:
    """Return the Markdown changelog of content/ between ref and the working tree."""
    with tempfile.TemporaryDirectory(prefix="clinicsite-diff-") as scratch:
        before, _ = load_content(_content_at(ref, content, Path(scratch)))
        after, _ = load_content(content)
        sections = _claim_sections(tree_claims(before), tree_claims(after))
        sections += _source_section(_sources(before), _sources(after))
        sections += _review_section(_reviews(before), _reviews(after))
    body = "\n\n".join(sections) if sections else "No claims, sources or reviews changed."
    return f"# Claims changelog: `{ref.replace('`', '')}` → working tree\n\n{body}\n"
