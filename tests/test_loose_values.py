"""Issue 15: base_url is https://host[:port]/path/ only, and email an address only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli


def set_site(project: Path, old: str, new: str) -> None:
    site = project / "content/site.yaml"
    assert old in site.read_text()
    site.write_text(site.read_text().replace(old, new))


@pytest.mark.parametrize(
    "url",
    [
        "https:////evil.example/",
        "https://user:pw@clinic.example.org/",
        "https://clinic.example.org/?x=1",
        "https://clinic.example.org/#top",
        "https://clinic.example.org//a/",
        "http://clinic.example.org/",
    ],
)
def test_a_base_url_with_more_than_host_port_and_path_is_a_located_error(project: Path, url: str) -> None:
    set_site(project, "base_url: https://clinic.example.org/", f'base_url: "{url}"')
    result = run_cli("build")
    assert result.code == 1 and not (project / "site").exists()
    hint = "write https://host/ or https://host/path/ (a port is allowed; no user name, '?' or '#')"
    assert result.lines == [f"content/site.yaml:2:11: error: 'base_url' has an invalid value '{url}': {hint} [value-format]"]


@pytest.mark.parametrize("url", ["https://clinic.example.org:8443/treatments/", "https://www.example-clinic.co.uk", "https://xn--bcher-kva.example/a_b/"])
def test_ordinary_base_urls_still_build(project: Path, url: str) -> None:
    set_site(project, "base_url: https://clinic.example.org/", f"base_url: {url}")
    assert run_cli("build").code == 0
    assert f'href="{url.rstrip("/")}/' in (project / "site/index.html").read_text()


@pytest.mark.parametrize(
    "email", ["hello@clinic.example.org?bcc=someone@evil.example", "Clinic <hello@clinic.example.org>", "hello@clinic", "a b@clinic.example.org"]
)
def test_an_email_that_is_more_than_an_address_is_a_located_error(project: Path, email: str) -> None:
    text = (project / "content/site.yaml").read_text()
    line = next(line for line in text.splitlines() if "email:" in line)
    set_site(project, line, f'  email: "{email}"')
    result = run_cli("check")
    assert result.code == 1 and len(result.lines) == 1
    assert result.lines[0].endswith(": write the address alone, such as hello@example.com (no name, '?' or spaces) [value-format]")
