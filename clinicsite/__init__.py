"""clinicsite: sourced treatment pages from YAML claims, refused when a claim has no source."""

from clinicsite.pipeline import build, check

__version__ = "0.1.0"
__all__ = ["__version__", "build", "check"]
