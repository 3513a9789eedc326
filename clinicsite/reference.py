"""docs/reference.md, written from the code: the rules, the claims policy, source kinds, limits and fields.

Like `schema`, this has one source of truth: the rule catalogue (diagnostics.RULES), the
built-in policy (policy.DEFAULT_RULES), the source-kinds table, the limits the modules
enforce and the model's field docstrings. `build.py reference` writes the file; a test
fails when the committed one falls behind, so the docs cannot drift from the code.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from clinicsite.diagnostics import RULES
from clinicsite.documents import MAX_DEPTH
from clinicsite.loader import MAX_FILE_BYTES
from clinicsite.policy import DEFAULT_RULES
from clinicsite.readability import MIN_WORDS
from clinicsite.schema import CONTENT_KINDS
from clinicsite.signoff import REVIEW_WARNING_DAYS
from clinicsite.source_kinds import SOURCE_KINDS

#: Where the generated reference lives, relative to the project.
REFERENCE_FILE = Path("docs/reference.md")

#: The constants the catalogue's `{NAME}`s stand for, each from the module that enforces it.
LIMITS: dict[str, tuple[str, str]] = {
    "MAX_FILE_BYTES": (f"{MAX_FILE_BYTES:,}", "largest content file, in bytes (`yaml-too-large`)"),
    "MAX_DEPTH": (str(MAX_DEPTH), "deepest nesting of lists and mappings (`yaml-too-deep`)"),
    "REVIEW_WARNING_DAYS": (str(REVIEW_WARNING_DAYS), "days before a page's next full review is due from which `review-due` warns"),
    "MIN_WORDS": (str(MIN_WORDS), "fewest words a section needs before `reading-level` warns about its grade"),
}


def filled(text: str) -> str:
    """Return a catalogue text with each `{NAME}` replaced by the constant it names."""
    return text.format(**{name: value for name, (value, _) in LIMITS.items()})


def _cell(text: str) -> str:
    """Return text safe inside a Markdown table cell (a `|` would end it)."""
    return " ".join(text.split()).replace("|", "\\|")


def _rules() -> Iterator[str]:
    yield "## Rules"
    yield ""
    yield "Every problem names one of these ids in brackets; ids are stable. `tests/fixtures/errors/<rule-id>/`"
    yield "holds a broken example of each, with the exact lines `check` prints. A claim's `allow` may excuse"
    yield "`evidence-weak`, `number-locator`, `claim-sentences` and the claims-policy rules, with a reason."
    yield ""
    yield "| rule | severity | what it means | the fix |"
    yield "|---|---|---|---|"
    for rule_id, rule in RULES.items():
        yield f"| `{rule_id}` | {' or '.join(rule.severities)} | {_cell(filled(rule.meaning))} | {_cell(filled(rule.fix))} |"
    yield ""


def _policy() -> Iterator[str]:
    yield "## The default claims policy"
    yield ""
    yield "Matched case-insensitively against what a patient reads of every claim and heading"
    yield "(`clinicsite/policy.py`). A clinic adds rules, replaces one (same `id`) or switches one off"
    yield "(`disable`) in `content/policy.yaml` (fields below); its own patterns run on RE2 alone."
    yield ""
    yield "| rule | severity | message (what to write instead) | why |"
    yield "|---|---|---|---|"
    for rule in DEFAULT_RULES:
        yield f"| `{rule.id}` | {rule.severity} | {_cell(rule.message)} | {_cell(rule.why)} |"
    yield ""
    yield "Their patterns (Python regular expressions):"
    yield ""
    for rule in DEFAULT_RULES:
        yield f"- `{rule.id}`: `{rule.pattern}`"
    yield ""


def _kinds() -> Iterator[str]:
    yield "## Source kinds"
    yield ""
    yield "A source's `kind` (`clinicsite/source_kinds.py`). Only evidence from people may carry a"
    yield "benefit alone (`evidence-weak`); a claim resting on other kinds says so beside its marks."
    yield ""
    yield "| kind | shown as | evidence from people | schema.org type |"
    yield "|---|---|---|---|"
    for kind in SOURCE_KINDS:
        yield f"| `{kind.id}` | {kind.label} | {'yes' if kind.human else 'no'} | `{kind.schema_type}` |"
    yield ""


def _limits() -> Iterator[str]:
    yield "## Limits"
    yield ""
    for value, meaning in LIMITS.values():
        yield f"- {value}: {meaning}."
    yield ""


def _models(kind: Any) -> Iterator[type[BaseModel]]:
    """Yield every model class inside a type (list[Source], X | None, Annotated[...]), outermost first."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        yield kind
        for field in kind.model_fields.values():
            yield from _models(field.annotation)
        return
    for arg in get_args(kind):
        yield from _models(arg)


def _values(kind: Any) -> tuple[str, ...]:
    """Return the values a Literal field accepts (through `X | None`), else ()."""
    if get_origin(kind) is Literal:
        return tuple(str(v) for v in get_args(kind))
    if get_origin(kind) in (Union, types.UnionType):
        return tuple(v for arg in get_args(kind) for v in _values(arg))
    return ()


def _range(metadata: list[Any]) -> str:
    """Return ' From 1 to 60.' for a number field bounded both ways, else ''."""
    low = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), None)
    return f" From {low} to {high}." if low is not None and high is not None else ""


def _default(value: Any) -> str:
    if value is PydanticUndefined or value is None:
        return ""
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _fields() -> Iterator[str]:
    yield "## Fields"
    yield ""
    yield "From the model's docstrings (`clinicsite/model.py`, `clinicsite/clinic.py`, `clinicsite/fingerprint.py`); unknown fields"
    yield "are errors (`field-unknown`). The same descriptions reach editors through `build.py schema`."
    yield ""
    seen: set[type[BaseModel]] = set()
    for glob, kind in CONTENT_KINDS.values():
        yield f"### `{glob}`" + (" (a list)" if get_origin(kind) is list else "")
        yield ""
        for model in _models(kind):
            if model in seen:
                if model in get_args(kind) or model is kind:
                    yield f"Its entries: **{model.__name__}**, as above."
                    yield ""
                continue
            seen.add(model)
            yield f"**{model.__name__}**: {_cell(model.__doc__ or '')}"
            yield ""
            yield "| field | required | default | meaning |"
            yield "|---|---|---|---|"
            for name, field in model.model_fields.items():
                values = _values(field.annotation)
                meaning = (field.description or "") + (f" One of: {', '.join(f'`{v}`' for v in values)}." if values else "") + _range(field.metadata)
                default = "" if field.default_factory is None else _default(field.default_factory())  # type: ignore[call-arg]
                yield f"| `{name}` | {'yes' if field.is_required() else 'no'} | {default or _default(field.default)} | {_cell(meaning)} |"
            yield ""


def reference_text() -> str:
    """Return docs/reference.md as the code describes it, stable from run to run."""
    head = [
        "# Reference",
        "",
        "<!-- Written by `python build.py reference` from the code; do not edit by hand. -->",
        "",
        "Generated from the code by `python build.py reference`; a test fails when it falls behind.",
        "Editors: [docs/editing.md](editing.md) says the same in plainer words, with examples.",
        "",
    ]
    return "\n".join([*head, *_rules(), *_policy(), *_kinds(), *_limits(), *_fields()]).rstrip("\n") + "\n"


def write_reference(path: Path = REFERENCE_FILE) -> Path:
    """Write the reference to path and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reference_text(), encoding="utf-8")
    return path
