"""Command line: flags to library calls, diagnostics to lines, outcomes to exit codes.

Exit status: 0 clean (warnings allowed), 1 content or layout errors, 2 usage errors,
3 an internal error (a bug in clinicsite, reported in one line, never a traceback).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path
from typing import TextIO

from clinicsite import pipeline
from clinicsite.changelog import ChangelogError, claims_changelog
from clinicsite.diagnostics import FORMATTERS
from clinicsite.loader import display_path
from clinicsite.output import OutputError
from clinicsite.scaffold import ScaffoldError, new_treatment
from clinicsite.schema import write_schemas

COMMANDS = ("build", "check", "serve", "schema", "new", "diff")
EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    common.add_argument("--out", type=Path, default=Path("site"), help="output folder, replaced whole (default: site)")
    common.add_argument("--layouts", type=Path, default=pipeline.DEFAULT_LAYOUTS, help="layouts folder (default: the project's layouts)")
    common.add_argument("--today", type=_date, default=None, help="check review dates as of this day, YYYY-MM-DD (default: today)")
    common.add_argument("--format", choices=sorted(FORMATTERS), default="text", help="diagnostic format: text, or github for pull-request annotations")
    parser = argparse.ArgumentParser(prog="build.py", description="Build the clinic's treatment pages from sourced YAML claims.")
    sub = parser.add_subparsers(dest="command", metavar="{build,check,serve,schema,new,diff}")
    sub.add_parser("build", parents=[common], help="check the content and write the site (default)")
    sub.add_parser("check", parents=[common], help="check the content and layouts; write nothing")
    serve = sub.add_parser("serve", parents=[common], help="build, serve on 127.0.0.1 and rebuild on changes")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--open", action="store_true", help="open the site in the default browser")
    schema = sub.add_parser("schema", help="write JSON Schema files for the content and map them for editors")
    schema.add_argument("--out", type=Path, default=Path("schemas"), help="folder for the schema files (default: schemas)")
    new = sub.add_parser("new", help="create a treatment folder with every file and commented examples")
    new.add_argument("slug", help="the treatment's folder name, e.g. chemical-peel")
    new.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    diff = sub.add_parser("diff", help="print a Markdown changelog of claims, sources and reviews since a git ref")
    diff.add_argument("ref", help="a git ref, e.g. origin/main or HEAD~1")
    diff.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    return parser


def _parse(argv: list[str]) -> argparse.Namespace:
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["build", *argv]
    return _parser().parse_args(argv)


def report(outcome: pipeline.Outcome, fmt: str, out: TextIO) -> None:
    """Print every diagnostic of outcome, one line each, in the chosen format."""
    for diagnostic in outcome.diagnostics:
        print(FORMATTERS[fmt](diagnostic), file=out)


def _summary(outcome: pipeline.Outcome, verb: str, seconds: float) -> str:
    counts = f"{outcome.errors} error{'s' * (outcome.errors != 1)}, {outcome.warnings} warning{'s' * (outcome.warnings != 1)}"
    notes = sum(d.severity == "note" for d in outcome.diagnostics)
    counts += f", {notes} allowed exception{'s' * (notes != 1)} (notes)" if notes else ""
    what = f"{outcome.counts[0]} treatment(s), {outcome.counts[1]} source(s)" if outcome.counts else "content"
    written = f"; wrote {outcome.written.files} files ({outcome.written.bytes:,} bytes)" if outcome.written else ""
    return f"{verb} {what}: {counts}{written} in {seconds:.2f} s"


def run_tool(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run the editor's tools (schema, new, diff), which do not build; return the exit status."""
    try:
        if args.command == "schema":
            for path in write_schemas(args.out, Path(".vscode/settings.json")):
                print(f"wrote {display_path(path)}", file=stdout)
        elif args.command == "new":
            for path in new_treatment(args.content, args.slug, datetime.date.today().isoformat()):
                print(f"created {display_path(path)}", file=stdout)
            print("next: write each claim and cite its sources; `python build.py check` lists what is left", file=stderr)
        else:
            print(claims_changelog(args.content, args.ref), file=stdout, end="")
    except (ScaffoldError, ChangelogError, OSError) as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_USAGE
    return EXIT_OK


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run one parsed command and return its exit status."""
    if args.command in ("schema", "new", "diff"):
        return run_tool(args, stdout, stderr)
    if not args.content.is_dir():
        print(f"error: content folder '{args.content}' not found; pass --content DIR", file=stderr)
        return EXIT_USAGE
    if args.command == "serve":
        from clinicsite.serve import serve

        return serve(args, stdout, stderr)
    started = time.perf_counter()
    if args.command == "check":
        outcome = pipeline.check(args.content, args.layouts, args.today)
    else:
        try:
            outcome = pipeline.build(args.content, args.out, args.layouts, args.today)
        except OutputError as exc:
            print(f"{display_path(args.out)}: error: {exc}", file=stderr)
            return EXIT_USAGE
    report(outcome, args.format, stdout)
    if args.command == "check":
        for g in outcome.grades:
            print(f"{g.path}: reading grade {g.grade} ({g.section}, {g.words} words, Flesch-Kincaid)", file=stderr)
    print(_summary(outcome, "checked" if args.command == "check" else "built", time.perf_counter() - started), file=stderr)
    return EXIT_CONTENT if outcome.errors else EXIT_OK


def main(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line and return the exit status; never raises, never a traceback."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = _parse(argv)
    except SystemExit as exc:  # argparse has printed the usage message already
        return EXIT_USAGE if exc.code else EXIT_OK
    if args.command is None:
        args.command = "build"
    try:
        return run(args, stdout, stderr)
    except KeyboardInterrupt:
        print("interrupted", file=stderr)
        return 130
    except Exception as exc:  # the one broad catch: a bug in clinicsite, told in one line
        print(f"internal error: {type(exc).__name__}: {exc} (this is a bug in clinicsite; please report it)", file=stderr)
        return EXIT_INTERNAL
