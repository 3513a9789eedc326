"""Build, check or preview the clinic's site: `python build.py --help`."""

import sys

try:
    from clinicsite.cli import main
except ImportError as exc:  # run before `make site` installed the dependencies
    sys.exit(f"error: {exc.name or exc} is not installed; run `make site` (or `.venv/bin/python build.py`)")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
