"""Random mutations of valid content end in a build or in located errors, never a crash.

CI runs 300 examples (the "ci" profile in conftest.py). A longer run, 20,000 examples:
    .venv/bin/python -m pytest tests/test_fuzz.py --hypothesis-profile=long --hypothesis-seed=0
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from clinicsite.cli import main
from tests.conftest import FIXTURES, TODAY

VALID = FIXTURES / "valid" / "content"
FILES = sorted(p.relative_to(VALID).as_posix() for p in VALID.rglob("*.yaml"))
LINE = re.compile(r"^\S.*:\d+:\d+: (error|warning|note): .+ \[[a-z0-9-]+\]$")

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def paths_in(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths_in(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += paths_in(value, (*prefix, i))
    return found


def mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    if not path:
        return value if action == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(FILES))
    data = yaml.safe_load((VALID / name).read_text())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths_in(data)))
        data = mutate(data, path, draw(st.sampled_from(["delete", "replace"])), draw(values))
    raw = draw(st.booleans())
    text = draw(st.text(max_size=200)) if raw else yaml.safe_dump(data, allow_unicode=True)
    return name, text


@given(mutations())
def test_mutated_content_never_crashes(case: tuple[str, str]) -> None:
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(VALID, content)
        (content / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        out, err = io.StringIO(), io.StringIO()
        code = main(["build", "--content", str(content), "--out", str(Path(tmp) / "site"), "--today", TODAY.isoformat()], out, err)
    assert code in (0, 1), err.getvalue()
    assert all(LINE.match(line) for line in out.getvalue().splitlines()), out.getvalue()
    assert (code == 1) == (": error: " in out.getvalue())
