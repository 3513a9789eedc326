"""The shape of the package: imports flow one way, every field and rule is documented."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from clinicsite import clinic, model, schema
from clinicsite.diagnostics import RULES
from tests.conftest import PROJECT

PACKAGE = PROJECT / "clinicsite"
#: Each module may import only modules of a lower rank (earlier in the pipeline).
RANK: dict[str, float] = {
    "diagnostics": 0,
    "model": 1,
    "clinic": 1.1,
    "source_kinds": 0.5,
    "characters": 0.8,
    "plainyaml": 0.85,
    "documents": 0.9,
    "ssh": 0.5,
    "shape": 1.2,
    "loader": 1.3,
    "fingerprint": 1.75,
    "signoff": 1.8,
    "nearest": 0.5,
    "markup": 1,
    "sentences": 1,
    "plaintext": 1.2,
    "linear": 1.4,
    "policy": 1.5,
    "evidence": 1.7,
    "readability": 1.8,
    "schema": 1.8,
    "reference": 2.5,
    "scaffold": 2,
    "changelog": 2,
    "salvage": 1.8,
    "translate": 1.9,
    "validate": 2,
    "citations": 2,
    "routes": 3,
    "references": 1.5,
    "structured": 3.5,
    "assets": 3.5,
    "presentation": 3.8,
    "render": 4,
    "target": 4.9,
    "output": 5,
    "incremental": 5.2,
    "cache": 5.5,
    "runner": 5.8,
    "pipeline": 6,
    "review": 6.4,
    "watch": 6.5,
    "preview": 6.8,
    "serve": 7,
    "cli": 8,
    "__init__": 9,
}


def imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    found |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return {name.split(".")[1] for name in found if name.startswith("clinicsite.")} | (
        {"pipeline"} if "clinicsite" in found and module.stem != "__init__" else set()
    )


def test_every_module_has_a_rank() -> None:
    assert {p.stem for p in PACKAGE.glob("*.py")} == set(RANK)


def test_stages_import_only_earlier_stages() -> None:
    for module in PACKAGE.glob("*.py"):
        for name in imports(module):
            assert RANK[name] < RANK[module.stem], f"{module.stem} imports {name}"


def imported(module: Path) -> set[str]:
    """Return the top-level names of every module that module imports."""
    tree = ast.parse(module.read_text())
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    return found | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_only_serve_listens_and_only_watch_polls_the_files() -> None:
    for module in PACKAGE.glob("*.py"):
        names = imported(module)
        assert not names & {"livereload", "tornado"}, module.name  # replaced by the standard library (issue 19)
        if module.stem != "serve":
            assert not names & {"http.server", "socketserver", "socket"}, module.name
        if module.stem not in ("watch", "assets"):  # assets lists layouts/assets once a build, without entering links
            assert "os.walk" not in module.read_text(), module.name


def models() -> list[type[BaseModel]]:
    found = [*vars(model).values(), *vars(clinic).values()]
    return list(dict.fromkeys(v for v in found if isinstance(v, type) and issubclass(v, BaseModel) and v not in (model.Record, BaseModel)))


def test_every_model_field_has_a_docstring() -> None:
    for cls in models():
        schema.describe(cls)  # descriptions are read from the docstrings for export only
        for name, field in cls.model_fields.items():
            assert field.description, f"{cls.__name__}.{name} has no docstring"


#: A relative Markdown link: [text](target) or [text](target#anchor), not an address.
_LINK = re.compile(r"\]\((?!https?:|mailto:)([^)#\s]*)(?:#([^)\s]+))?\)")
DOCS = ("README.md", "bench/README.md", *(p.relative_to(PROJECT).as_posix() for p in sorted((PROJECT / "docs").glob("*.md"))))


def anchors(markdown: str) -> set[str]:
    """Return the anchors GitHub gives a Markdown file's headings (lowercase, punctuation dropped, spaces to hyphens)."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("name", DOCS)
def test_every_link_between_the_docs_resolves(name: str) -> None:
    path = PROJECT / name
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", path.read_text(), flags=re.MULTILINE | re.DOTALL))  # code shows links, not makes them
    links = _LINK.findall(prose)
    assert links or name in ("bench/README.md", "docs/deployment.md"), f"{name}: no links found; the pattern is wrong"
    for target, anchor in links:
        linked = (path.parent / target).resolve() if target else path
        assert linked.exists(), f"{name} links to {target}, which does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked.read_text()), f"{name} links to {target}#{anchor}, which has no such heading"


def test_readme_links_every_doc_and_stays_short() -> None:
    """The README is what a newcomer needs; the rest lives in docs/ and is linked from it."""
    readme = (PROJECT / "README.md").read_text()
    for doc in (PROJECT / "docs").glob("*.md"):
        assert f"(docs/{doc.name}" in readme, f"README does not link docs/{doc.name}"
    assert len(readme.splitlines()) <= 200


def test_readme_names_what_make_test_installs_and_the_pages_doc_every_checker() -> None:
    readme = (PROJECT / "README.md").read_text()
    pages = (PROJECT / "docs/pages.md").read_text()
    makefile = (PROJECT / "Makefile").read_text()
    for apt_package in re.findall(r'missing="\$\$missing ([a-z0-9-]+)"', makefile):
        assert f"`{apt_package}`" in readme, f"README does not say make test installs {apt_package}"
    for npm_package in json.loads((PROJECT / "package.json").read_text())["devDependencies"]:
        assert f"`{npm_package}`" in readme, f"README does not say make test installs {npm_package}"
    checks = ast.parse((PROJECT / "tests/checks.py").read_text())
    for function in (n.name for n in checks.body if isinstance(n, ast.FunctionDef) and n.name.endswith("_problems")):
        assert f"`{function}`" in pages, f"docs/pages.md does not say what {function} checks"


def test_editing_guide_sends_editors_to_every_rule_and_its_fix() -> None:
    """Editors look errors up from docs/editing.md; the catalogue it links gives each rule's fix."""
    guide = (PROJECT / "docs" / "editing.md").read_text()
    assert "(reference.md#rules)" in guide
    for rule_id, rule in RULES.items():
        assert rule.meaning.strip() and rule.fix.strip(), f"rule {rule_id} has no meaning or fix in diagnostics.RULES"
