"""Build, check or preview the clinic's site: `python build.py --help`."""

import gc
import sys

# What importing makes lives as long as the process (modules, classes, pydantic's validators):
# collected while it is made, and traversed by every full collection after, it cost ~3% of
# start-up for nothing. So the collector waits for the imports, then never looks at them again.
gc.disable()
try:
    from clinicsite.cli import main
except ImportError as exc:  # run before `make site` installed the dependencies
    sys.exit(f"error: {exc.name or exc} is not installed; run `make site` (or `.venv/bin/python build.py`)")
gc.freeze()
gc.enable()

if __name__ == "__main__":
    status = main(sys.argv[1:])
    # Nothing left is garbage worth collecting: frozen, it is not traversed by the interpreter's
    # last collections, which spent ~100 ms in pydantic's validators (a tenth of a small build).
    # Files are closed and exit handlers still run as usual.
    gc.freeze()
    sys.exit(status)
