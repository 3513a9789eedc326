"""JSON Schema for every content file, generated from the model the validator uses.

One source of truth: the schemas are exported from the pydantic models, so an editor's
autocompletion and inline errors (YAML language server) match what `check` enforces.
The shape is all a schema can say; ids, citations and the claims policy are cross-file
rules that only `check` applies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from clinicsite.fingerprint import SignOff
from clinicsite.model import Policy, SiteInfo, Source
from clinicsite.shape import SIGN_OFFS_FILE, TREATMENT_SCHEMAS

#: Schema file name -> (the glob of the content files it describes, their type).
CONTENT_KINDS: dict[str, tuple[str, Any]] = {
    "site.schema.json": ("content/site.yaml", SiteInfo),
    "sources.schema.json": ("content/sources.yaml", list[Source]),
    "policy.schema.json": ("content/policy.yaml", Policy),
    **{name.replace(".yaml", ".schema.json"): (f"content/treatments/*/{name}", kind) for name, kind in TREATMENT_SCHEMAS.items()},
    "sign-offs.schema.json": (f"content/treatments/*/{SIGN_OFFS_FILE}", list[SignOff]),
}


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


def write_schemas(folder: Path, settings: Path) -> list[Path]:
    """Write every schema into folder and map them in the editor settings file; return what was written.

    Other keys of the settings file (a JSON object) are kept.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    current = json.loads(settings.read_text(encoding="utf-8")) if settings.is_file() else {}
    current["yaml.schemas"] = editor_mapping(f"./{folder.as_posix()}")
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [*written, settings]
