"""The validated site of a content folder, for tests that read the records themselves.

A build keeps no Site (its treatments may be validated in worker processes), so this
puts one together from the very functions the pipeline runs for each stage.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from clinicsite.loader import load_site_files, load_treatment, treatment_folders
from clinicsite.model import Site
from clinicsite.validate import validate_site_files, validate_treatment


def validated_site(content: Path, today: datetime.date | None = None) -> Site:
    """Return content's site as validation makes it; fail the test when any record is not valid."""
    tree, problems = load_site_files(content)
    facts, found = validate_site_files(tree, today)
    folders, stray = treatment_folders(content)
    treatments = []
    for folder in folders:
        files, loaded = load_treatment(folder, content)
        assert files is not None, loaded
        treatment, more = validate_treatment(files, facts)
        assert treatment is not None, more
        treatments.append(treatment)
    assert facts.info is not None and facts.sources is not None, [*problems, *found, *stray]
    return Site(facts.info, facts.sources, tuple(treatments))
