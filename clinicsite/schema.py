"""JSON Schema for every content file, generated from the model the validator uses.

One source of truth: the schemas are exported from the pydantic models, so an editor's
autocompletion and inline errors (YAML language server) match what `check` enforces.
The shape is all a schema can say; ids, citations and the claims policy are cross-file
rules that only `check` applies.
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import json
import re
import sys
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter

from clinicsite.clinic import Policy, SiteInfo
from clinicsite.fingerprint import SignOff
from clinicsite.model import Source
from clinicsite.shape import SIGN_OFFS_FILE, TREATMENT_SCHEMAS

#: Schema file name -> (the glob of the content files it describes, their type).
CONTENT_KINDS: dict[str, tuple[str, Any]] = {
    "site.schema.json": ("content/site.yaml", SiteInfo),
    "sources.schema.json": ("content/sources.yaml", list[Source]),
    "policy.schema.json": ("content/policy.yaml", Policy),
    **{name.replace(".yaml", ".schema.json"): (f"content/treatments/*/{name}", kind) for name, kind in TREATMENT_SCHEMAS.items()},
    "sign-offs.schema.json": (f"content/treatments/*/{SIGN_OFFS_FILE}", list[SignOff]),
}


@functools.cache
def _docstrings(module: str) -> dict[str, dict[str, str]]:
    """Return {class: {field: docstring}} for the top-level classes of a module's source.

    A docstring is the string just under an annotated field, read as pydantic's
    use_attribute_docstrings reads it (inspect.cleandoc).
    """
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(inspect.getsource(sys.modules[module])).body:
        if isinstance(node, ast.ClassDef):
            found[node.name] = {
                field.target.id: inspect.cleandoc(doc.value.value)
                for field, doc in itertools.pairwise(node.body)
                if isinstance(field, ast.AnnAssign)
                and isinstance(field.target, ast.Name)
                and isinstance(doc, ast.Expr)
                and isinstance(doc.value, ast.Constant)
                and isinstance(doc.value.value, str)
            }
    return found


def describe(kind: Any, done: set[type[BaseModel]] | None = None) -> None:
    """Give the fields of every model inside kind their docstrings as descriptions, and rebuild the models' schemas.

    Only the JSON Schema and docs/reference.md show descriptions, so they are read here, not at
    import (see clinicsite.model.Record). A field's docstring is the one under it in the class
    that declares it; a model is rebuilt after the models its fields hold, whose schemas it copies.
    """
    done = set() if done is None else done
    if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
        for arg in get_args(kind):
            describe(arg, done)
        return
    if kind in done:
        return
    done.add(kind)
    for name, field in kind.model_fields.items():
        describe(field.annotation, done)
        owner = next(c for c in kind.__mro__ if name in vars(c).get("__annotations__", {}))
        if field.description is None:
            field.description = _docstrings(owner.__module__).get(owner.__name__, {}).get(name)
    kind.model_rebuild(force=True)


_described: set[type[BaseModel]] = set()
for _glob, _kind in CONTENT_KINDS.values():
    describe(_kind, _described)


def schema_for(kind: Any, title: str) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of one content file kind."""
    schema = TypeAdapter(kind).json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **schema}


def schemas() -> dict[str, str]:
    """Return each schema file's name and its text, stable from run to run."""
    return {name: json.dumps(schema_for(kind, glob), indent=2, sort_keys=True) + "\n" for name, (glob, kind) in CONTENT_KINDS.items()}


def editor_mapping(folder: str) -> dict[str, str]:
    """Return the YAML language server's `yaml.schemas` setting: schema path -> content glob."""
    return {f"{folder}/{name}": glob for name, (glob, _) in CONTENT_KINDS.items()}


class SchemaError(Exception):
    """The editor settings could not be read or updated; the message says why and what to do."""


#: A JSON string (kept), or a comment (dropped): VS Code writes settings as JSON with comments.
_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.DOTALL)
#: A JSON string (kept), or a comma before a closing bracket (dropped): VS Code allows both.
_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|,(\s*[}\]])')


def read_settings(settings: Path) -> tuple[dict[str, Any], bool]:
    """Return the settings file's object (JSON with comments and trailing commas) and whether it has comments."""
    text = settings.read_text(encoding="utf-8") if settings.is_file() else "{}"
    plain = _COMMENT.sub(lambda m: m.group(1) or "", text)
    try:
        current = json.loads(_TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), plain))
    except json.JSONDecodeError as exc:
        raise SchemaError(f"cannot read {settings} (line {exc.lineno}, column {exc.colno}: {exc.msg}); fix it, then run schema again") from None
    if not isinstance(current, dict) or not isinstance(current.get("yaml.schemas", {}), dict):
        raise SchemaError(f"{settings} must be an object whose 'yaml.schemas' is an object; fix it, then run schema again")
    return current, plain != text


def write_schemas(folder: Path, settings: Path) -> list[Path]:
    """Write every schema into folder and map them in the editor settings file; return what was written.

    Other keys of the settings file, and other schemas in its `yaml.schemas`, are kept. A
    settings file with comments is not rewritten (they would be lost): SchemaError says what to add.
    """
    current, commented = read_settings(settings)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    ours = editor_mapping(f"./{folder.as_posix()}")
    if commented and any(current.get("yaml.schemas", {}).get(k) != v for k, v in ours.items()):
        lines = ",\n".join(f'    "{k}": "{v}"' for k, v in ours.items())
        raise SchemaError(f'{settings} has comments, which rewriting it would lose; add these to its "yaml.schemas" yourself:\n{lines}')
    if not commented:
        current["yaml.schemas"] = {**current.get("yaml.schemas", {}), **ours}
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [*written, settings]
