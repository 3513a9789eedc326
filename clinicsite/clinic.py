"""The clinic's own files: site.yaml (clinic details, reviewers) and policy.yaml (claims policy), and the whole validated site.

Split from clinicsite.model, whose record classes these build on; the docstring under each
field is its reference documentation, as there (docs/reference.md, the JSON Schema).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from clinicsite.model import Email, Id, Record, SiteUrl, Source, Text, Treatment, Url


class Contact(Record):
    """How patients reach the clinic."""

    phone: Text
    """Phone number as it should be shown."""
    email: Email
    """Email address."""
    address: Text
    """Postal address on one line."""
    booking_url: Url
    """Where patients book an appointment."""


_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


def _ssh_key(value: str) -> str:
    """Accept one OpenSSH public key line whose encoded key names the same type."""
    fields = value.split()
    try:
        blob = base64.b64decode(fields[1], validate=True) if len(fields) >= 2 else b""
    except binascii.Error:
        blob = b""
    named = blob[4 : 4 + int.from_bytes(blob[:4], "big")].decode("ascii", "replace") if len(blob) > 4 else ""
    if not fields or fields[0] not in _KEY_TYPES or named != fields[0]:
        raise PydanticCustomError("ssh_key", "not an OpenSSH public key line; copy the whole line of the .pub file, e.g. 'ssh-ed25519 AAAA... name'")
    return " ".join(fields[:2])


class Reviewer(Record):
    """A clinician who reviews pages."""

    id: Id
    """Kebab-case id, named by a sign-off's `by` and `review --by`."""
    name: Text
    """Full name as shown on pages."""
    credentials: Text
    """Qualifications, e.g. "MBBS, MRCP"."""
    registration: Text | None = None
    """Professional registration, e.g. "GMC 1234567"."""
    placeholder: bool = False
    """True for the example site's made-up reviewer: pages say no clinician reviewed them, and `build --publish` refuses them."""
    ssh_key: Annotated[str, AfterValidator(_ssh_key)] | None = None
    """The reviewer's OpenSSH public key line ("ssh-ed25519 AAAA... name"); needed when sign-offs must be signed."""


def _with_slash(value: str) -> str:
    return value if value.endswith("/") else value + "/"


class SiteInfo(Record):
    """site.yaml: the clinic and its reviewers."""

    name: Text
    """The clinic's name."""
    base_url: Annotated[SiteUrl, AfterValidator(_with_slash)]
    """Where the site is published, e.g. https://www.example-clinic.co.uk/."""
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    """Page language as a BCP 47 tag, e.g. en-GB."""
    contact: Contact
    """Contact details shown on every page."""
    review_interval_months: Annotated[int, Field(ge=1, le=60)]
    """Months after a review when the next one is due."""
    reviewers: Annotated[list[Reviewer], Field(min_length=1)]
    """Clinicians who may sign pages off."""
    example: bool = False
    """True while the clinic details are placeholders (the shipped example): every page says so, and `build --publish` refuses to build."""
    signatures_required: bool = False
    """True when every sign-off must be signed with its reviewer's SSH key (`review --key`), which `check` verifies."""
    reading_grade: Annotated[float, Field(ge=1, le=18)] = 6
    """Highest Flesch-Kincaid grade a page section may read at before `check` warns (6: a reading age of about 11)."""

    def next_review(self, reviewed_on: datetime.date) -> datetime.date:
        """Return the day a page reviewed on reviewed_on is due for its next review."""
        return add_months(reviewed_on, self.review_interval_months)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the same day `months` later, clamped to the month's last day, and to the last day a date can hold.

    A review dated near the end of year 9999 would otherwise make the date type overflow.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > datetime.MAXYEAR:
        return datetime.date.max
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _regex(value: str) -> str:
    try:
        re.compile(value, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as exc:  # a{4294967296}; a thousand nested groups
        problem = str(exc) if isinstance(exc, re.error) else "counts or nesting too large"
        raise PydanticCustomError("regex", "not a valid regular expression: {problem}", {"problem": problem}) from None
    return value


class PolicyRule(Record):
    """One claims-language rule: words a claim must not use, and what to write instead."""

    id: Id
    """Kebab-case id, shown in every report; a claim's allow names it."""
    pattern: Annotated[str, StringConstraints(min_length=1), AfterValidator(_regex)]
    """A regular expression, matched case-insensitively against claim text and headings."""
    severity: Literal["error", "warning"] = "error"
    """error stops the build; warning is reported and the build goes on."""
    message: Text
    """What is wrong and the suggested wording, shown with each match."""
    why: Text
    """The reason for the rule, e.g. the advertising code it comes from."""


class Policy(Record):
    """policy.yaml (optional): the clinic's changes to the built-in claims-language rules."""

    rules: list[PolicyRule] = []  # noqa: RUF012 -- pydantic copies field defaults; ruff cannot see Record is a BaseModel from here
    """Rules added to the defaults; a rule with a default rule's id replaces it."""
    disable: list[Id] = []  # noqa: RUF012
    """Ids of default rules the clinic switches off."""


@dataclass(frozen=True)
class Site:
    """The whole validated content: what every later stage receives."""

    info: SiteInfo
    sources: dict[str, Source]
    treatments: tuple[Treatment, ...]
    """Sorted by slug."""
