"""The valid fixture's site, compared file by file with tests/golden/ (unified diffs on mismatch).

After an intended change to layouts or rendering: `pytest tests/test_golden.py --update-golden`,
then review the diff of tests/golden/ in the pull request. A change to the stylesheet changes
its hashed name, so every golden page's <link> changes with it.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from clinicsite.pipeline import DEFAULT_LAYOUTS
from clinicsite.render import hashed_name
from tests.conftest import run_cli
from tests.test_output import snapshot

GOLDEN = Path(__file__).parent / "golden"


def test_valid_fixture_builds_the_golden_site(project: Path, request: pytest.FixtureRequest) -> None:
    assert run_cli("build").code == 0
    built = snapshot(project / "site")
    assets = {name: built.pop(name) for name in list(built) if name.startswith("assets/")}
    # copied verbatim, under a name with a hash of the bytes (site.css -> site.<hash>.css)
    assert assets == {hashed_name(f"assets/{k}", v): v for k, v in snapshot(DEFAULT_LAYOUTS / "assets").items()}
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(project / "site", GOLDEN, ignore=shutil.ignore_patterns("assets"))
    expected = snapshot(GOLDEN)
    assert sorted(built) == sorted(expected)
    for name, content in built.items():
        if content != expected[name]:
            diff = difflib.unified_diff(expected[name].decode().splitlines(), content.decode().splitlines(), f"golden/{name}", f"built/{name}", lineterm="")
            pytest.fail("\n".join(diff))
