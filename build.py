"""Build, check or preview the clinic's site: `python build.py --help`."""

import sys

from clinicsite.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
