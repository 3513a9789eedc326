"""Shared fixtures: scratch content trees, the valid fixture clinic, an in-process CLI."""

from __future__ import annotations

import datetime
import io
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import clinicsite.evidence as evidence
from clinicsite import pipeline
from clinicsite.cli import COMMANDS, main
from clinicsite.clinic import SiteInfo
from clinicsite.review import Request, sign_off

settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
#: The day every test runs "on", so review-freshness results do not change with the calendar.
TODAY = datetime.date(2026, 12, 1)
PROJECT = Path(__file__).parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the valid fixture's build")


@dataclass(frozen=True)
class BuiltSite:
    """The project's real content/, built by the project's own pipeline."""

    root: Path
    info: SiteInfo
    slugs: tuple[str, ...]


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """Build content/ once per test run into a scratch folder (never the project's site/)."""
    out = tmp_path_factory.mktemp("real") / "site"
    outcome = pipeline.build(PROJECT / "content", out, today=TODAY)
    assert outcome.written is not None and outcome.info is not None, f"content/ does not build: {outcome.diagnostics}"
    return BuiltSite(out, outcome.info, outcome.slugs)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def sign(content: Path, *slugs: str, by: str = "dr-test", on: datetime.date = datetime.date(2026, 1, 31)) -> None:
    """Sign treatments off as `build.py review` does (the valid fixture's reviewer and date by default)."""
    sign_off(content, Request(slugs, not slugs, by, "full", on, None, TODAY))


#: The commands that judge dates: run_cli gives them `--today TODAY` unless the test gives its own.
DATED_COMMANDS = ("build", "check", "review")


def run_cli(*args: str | Path) -> Result:
    """Run build.py's main in-process, as on TODAY unless args say `--today`, and capture what it prints."""
    argv = [str(a) for a in args]
    command = argv[0] if argv and argv[0] in COMMANDS else "build"
    if command in DATED_COMMANDS and "--today" not in argv and not {"-h", "--help"} & set(argv):
        argv += ["--today", TODAY.isoformat()]
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return Result(code, out.getvalue(), err.getvalue())


def _no_default_day() -> datetime.date:
    raise AssertionError("a test checked dates as of the real today; pass today=TODAY (or --today) instead")


@pytest.fixture(autouse=True)
def dated_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test says which day it runs on (today=, --today, run_cli's TODAY): falling back to the real
    day would make review-freshness results change with the calendar, so that fallback fails the test."""
    monkeypatch.setattr(evidence, "today", _no_default_day)


@pytest.fixture
def cli() -> Callable[..., Result]:
    return run_cli


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder holding a copy of the valid clinic in content/, as the working folder."""
    shutil.copytree(FIXTURES / "valid" / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write files (dedented text or raw bytes) under root, creating folders."""
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def write(project: Path) -> Callable[[dict[str, str | bytes]], None]:
    """Write files into the scratch project, e.g. {"content/sources.yaml": "..."}."""
    return lambda files: write_files(project, files)
