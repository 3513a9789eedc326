"""Command line: exit codes, formats, and never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT, run_cli

BROKEN_CLAIM = "- id: x\n  title: X\n  claims:\n    - text: Unsourced, with a comma.\n"


def test_build_is_the_default_command(project: Path) -> None:
    result = run_cli()
    assert result.code == 0
    assert (project / "site/index.html").exists()
    assert "built 1 treatment(s), 3 source(s): 0 errors, 0 warnings; wrote 7 files" in result.err


def test_github_format_prints_annotations(project: Path) -> None:
    (project / "content/treatments/sample-treatment/benefits.yaml").write_text(BROKEN_CLAIM)
    result = run_cli("check", "--format", "github")
    assert result.code == 1
    assert result.lines == [
        "::error file=content/treatments/sample-treatment/benefits.yaml,line=4,col=7::"
        "this claim has no source; add 'cite: [SOURCE_ID]' naming a source in sources.yaml [cite-missing]"
    ]


def test_usage_errors_exit_2(project: Path) -> None:
    assert run_cli("check", "--format", "xml").code == 2
    assert run_cli("publish-now").code == 2
    missing = run_cli("check", "--content", "nowhere")
    assert missing.code == 2 and "content folder 'nowhere' not found" in missing.err


def test_warnings_alone_exit_0(project: Path) -> None:
    with (project / "content/sources.yaml").open("a") as sources:
        sources.write("\n- id: spare\n  kind: book\n  title: Spare\n")
    result = run_cli("build")
    assert result.code == 0
    assert result.lines == ["content/sources.yaml:29:7: warning: source 'spare' is not cited by any claim; cite it or remove it [source-unused]"]


def test_all_problems_of_a_run_are_reported_sorted(project: Path) -> None:
    (project / "content/treatments/sample-treatment/benefits.yaml").write_text(BROKEN_CLAIM)
    (project / "content/treatments/sample-treatment/faqs.yaml").write_text("- id: Bad\n  question: Q\n  claims: []\n")
    (project / "content/site.yaml").write_text((project / "content/site.yaml").read_text().replace("language: en-GB", "langauge: en-GB"))
    result = run_cli("check")
    assert result.code == 1
    paths = [line.split(":")[0] for line in result.lines]
    assert paths == sorted(paths) and len(result.lines) == 5


def test_real_process_never_prints_a_traceback(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "site.yaml").write_bytes(b"name: [unclosed\n\x00")
    proc = subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), "check", "--content", str(content)], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "content/site.yaml:" in proc.stdout
