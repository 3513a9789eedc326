"""pydantic's validation errors as located diagnostics: what was wrong, where, and the fix.

Split from clinicsite.validate: validating one document against its schema and saying each
error in an editor's words, at the key or value it names (a misspelt key gets the nearest
field's name; a wrong type says what was found and what is wanted).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from inspect import isclass
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from clinicsite.diagnostics import Diagnostic, error
from clinicsite.documents import Document, KeyPath
from clinicsite.model import Overview

_TYPE_WORDS = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}
_FORMAT_HINTS = {
    "doi": "write the DOI alone, without https://doi.org/, e.g. 10.1001/jamadermatol.2014.388",
    "pmid": "a PubMed id is digits only, e.g. 21810012",
    "url": "write a full address starting with https://",
    "booking_url": "write a full address starting with https://",
    "base_url": "write https://host/ or https://host/path/ (a port is allowed; no user name, '?' or '#')",
    "language": "use a language tag such as en-GB",
    "email": "write the address alone, such as hello@example.com (no name, '?' or spaces)",
}
_ID_FIELDS = {"id", "by", "source"}
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(schema: Any) -> TypeAdapter[Any]:
    if schema not in _ADAPTERS:
        _ADAPTERS[schema] = TypeAdapter(schema)
    return _ADAPTERS[schema]


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional so the underlying list or model type shows."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, UnionType):
            tp = next(a for a in get_args(tp) if a is not NoneType)
        else:
            return tp


def _model_at(schema: Any, path: KeyPath) -> type[BaseModel] | None:
    """Return the model class that describes the mapping at path, if any."""
    tp = schema
    for part in path:
        tp = _unwrap(tp)
        if isinstance(part, int) and get_origin(tp) is list:
            tp = get_args(tp)[0]
        elif isclass(tp) and issubclass(tp, BaseModel) and part in tp.model_fields:
            tp = tp.model_fields[part].annotation
        else:
            return None
    tp = _unwrap(tp)
    return tp if isclass(tp) and issubclass(tp, BaseModel) else None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"


def suggest(word: str, candidates: Iterable[str]) -> str:
    near = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{near[0]}'?" if near else ""


def _label(loc: tuple[str | int, ...]) -> str:
    """Return how to name the value at loc in a message: 'title', 'item 2 of claims', 'the file'."""
    if not loc:
        return "the file"
    if isinstance(loc[-1], str):
        return f"'{loc[-1]}'"
    parent = f" of '{loc[-2]}'" if len(loc) > 1 and isinstance(loc[-2], str) else " in the file" if len(loc) == 1 else ""
    return f"item {loc[-1] + 1}{parent}"


def _translate(err: Any, schema: Any, doc: Document) -> Diagnostic:
    """Return our diagnostic for one pydantic error: rule id, author-facing text, position."""
    kind, loc, value = err["type"], tuple(err["loc"]), err.get("input")
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        model = _model_at(schema, loc[:-1])
        hint = suggest(name, model.model_fields if model else ())
        if model is Overview and name == "reviewed":
            hint = "; sign-offs are now kept in sign-offs.yaml: remove 'reviewed' and have the reviewer run `python build.py review SLUG --by REVIEWER_ID`"
        return error(doc.locate_key(loc), "field-unknown", f"unknown field '{name}'{hint}")
    if kind in ("missing", "accessed_required"):
        at = doc.locate(loc[:-1])
        if name == "cite":
            return error(at, "cite-missing", "this claim has no source; add 'cite: [SOURCE_ID]' naming a source in sources.yaml")
        return error(at, "field-required", f"missing required field '{name}'" + (f": {err['msg']}" if kind != "missing" else ""))
    at = doc.locate(loc)
    if kind == "too_short" and name == "cite":
        return error(at, "cite-missing", "'cite' is empty; every claim needs at least one source id")
    if kind in ("too_short", "string_too_short"):
        return error(at, "value-empty", f"'{name}' is empty; write at least one {'item' if kind == 'too_short' else 'character'}")
    if kind in _TYPE_WORDS:
        return error(at, "field-type", f"{_label(loc)} should be {_TYPE_WORDS[kind]}, found {_describe(value)}")
    if kind == "date_format":
        return error(at, "date-format", f"{err['msg']}, e.g. 2026-03-31")
    if kind == "string_pattern_mismatch" and name in _ID_FIELDS:
        return error(at, "id-format", f"'{value}' is not a valid id; use lowercase letters, digits and single hyphens, e.g. 'acne-scars'")
    if kind == "literal_error":
        choices = [c.strip(" '") for c in err["ctx"]["expected"].replace(" or ", ", ").split(",")]
        return error(at, "value-format", f"'{name}' must be one of {', '.join(choices)}, found {_describe(value)}{suggest(str(value), choices)}")
    hint = _FORMAT_HINTS.get(name, err["msg"][0].lower() + err["msg"][1:])
    return error(at, "value-format", f"'{name}' has an invalid value {_describe(value)}: {hint}")


def validate_doc(doc: Document | None, schema: Any, problems: list[Diagnostic]) -> Any:
    """Return the validated value of doc, or None after adding its problems."""
    if doc is None:
        return None
    try:
        return _adapter(schema).validate_python(doc.data)
    except ValidationError as exc:
        problems.extend(_translate(err, schema, doc) for err in exc.errors())
        return None
