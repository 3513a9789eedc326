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
from clinicsite.diagnostics import FORMATTERS
from clinicsite.loader import display_path
from clinicsite.output import OutputError

COMMANDS = ("build", "check", "serve", "schema", "reference", "new", "diff", "review")
EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port; use a number from 1 to 65535 (0: any free port)")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    common.add_argument("--out", type=Path, default=Path("site"), help="output folder, replaced whole (default: site)")
    common.add_argument("--layouts", type=Path, default=pipeline.DEFAULT_LAYOUTS, help="layouts folder (default: the project's layouts)")
    common.add_argument("--today", type=_date, default=None, help="check review dates as of this day, YYYY-MM-DD (default: today)")
    common.add_argument("--format", choices=sorted(FORMATTERS), default="text", help="diagnostic format: text, or github for pull-request annotations")
    parser = argparse.ArgumentParser(prog="build.py", description="Build the clinic's treatment pages from sourced YAML claims.")
    sub = parser.add_subparsers(dest="command", metavar="{build,check,serve,schema,reference,new,diff,review}")
    build = sub.add_parser("build", parents=[common], help="check the content and write the site (default)")
    build.add_argument("--drafts", action="store_true", help="preview build: render pages changed since their sign-off as drafts (banner, noindex)")
    build.add_argument("--publish", action="store_true", help="the deploy build: refuse placeholder clinic details and placeholder reviewers")
    sub.add_parser("check", parents=[common], help="check the content and layouts; write nothing")
    serve = sub.add_parser("serve", parents=[common], help="build, serve on 127.0.0.1 and rebuild on changes")
    serve.add_argument("--port", type=_port, default=8000, help="port, 0 for any free one (default: 8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--open", action="store_true", help="open the site in the default browser")
    schema = sub.add_parser("schema", help="write JSON Schema files for the content and map them for editors")
    schema.add_argument("--out", type=Path, default=Path("schemas"), help="folder for the schema files (default: schemas)")
    reference = sub.add_parser("reference", help="write docs/reference.md (rules, claims policy, source kinds, limits, fields) from the code")
    reference.add_argument("--out", type=Path, default=Path("docs/reference.md"), help="the file to write (default: docs/reference.md)")
    new = sub.add_parser("new", help="create a treatment folder with every file and commented examples")
    new.add_argument("slug", help="the treatment's folder name, e.g. chemical-peel")
    new.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    diff = sub.add_parser("diff", help="print a Markdown changelog of claims, sources and reviews since a git ref")
    diff.add_argument("ref", nargs="?", help="a git ref, e.g. origin/main or HEAD~1")
    diff.add_argument("--since-review", metavar="SLUG", help="instead of a ref: the commit that recorded SLUG's latest sign-off")
    diff.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    review = sub.add_parser("review", help="record a clinician's sign-off of treatment pages as they are now")
    review.add_argument("slugs", nargs="*", metavar="SLUG", help="the treatments signed off")
    review.add_argument("--all", action="store_true", help="sign off every treatment")
    review.add_argument("--by", required=True, metavar="REVIEWER_ID", help="the reviewer's id in site.yaml")
    review.add_argument(
        "--scope", choices=("full", "partial"), default="full", help="full: the whole page was reviewed; partial: the changes since the last sign-off"
    )
    review.add_argument("--date", type=_date, default=None, help="the day of the review, YYYY-MM-DD (default: today)")
    review.add_argument("--key", type=Path, default=None, help="your private SSH key, to sign (required when site.yaml requires signatures)")
    review.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    review.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
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
    """Run the editor's tools (schema, reference, new, diff), which do not build; return the exit status."""
    # imported here, not above: a build needs none of them (JSON Schema export, git, tar)
    from clinicsite.changelog import ChangelogError, claims_changelog, sign_off_commit
    from clinicsite.scaffold import ScaffoldError, new_treatment
    from clinicsite.schema import SchemaError, write_schemas

    try:
        if args.command == "schema":
            for path in write_schemas(args.out, Path(".vscode/settings.json")):
                print(f"wrote {display_path(path)}", file=stdout)
        elif args.command == "reference":
            from clinicsite.reference import write_reference  # only this command needs every module's constants

            print(f"wrote {display_path(write_reference(args.out))}", file=stdout)
        elif args.command == "new":
            for path in new_treatment(args.content, args.slug, datetime.date.today().isoformat()):
                print(f"created {display_path(path)}", file=stdout)
            print("next: write each claim and cite its sources; `python build.py check` lists what is left", file=stderr)
        else:
            if (args.ref is None) == (args.since_review is None):
                raise ChangelogError("give a git ref (e.g. origin/main) or --since-review SLUG, not both")
            ref = args.ref or sign_off_commit(args.content, args.since_review)
            print(claims_changelog(args.content, ref), file=stdout, end="")
    except (ScaffoldError, ChangelogError, SchemaError, OSError) as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_USAGE
    return EXIT_OK


def run_review(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Sign off the named treatments; print what was signed, or why nothing was."""
    from clinicsite.review import Request, ReviewError, sign_off  # a build does not sign

    request = Request(tuple(args.slugs), args.all, args.by, args.scope, args.date, args.key, args.today)
    try:
        done = sign_off(args.content, request)
    except ReviewError as exc:
        for problem in exc.problems:
            print(FORMATTERS["text"](problem), file=stdout)
        print(f"error: {exc}; nothing was signed", file=stderr)
        return EXIT_CONTENT if exc.problems else EXIT_USAGE
    for s in done:
        r = s.record
        print(
            f"signed {s.slug} ({r.scope}, by {r.by}, {r.date.isoformat()}{', with an SSH signature' if r.signature else ''}): "
            f"{s.claims} claims, {s.headings} headings, {len(r.sources)} sources; wrote {display_path(s.path)}",
            file=stdout,
        )
        print(f"  changed since the last sign-off: {len(s.changed)}" + ("" if s.changed else " (or never signed before)"), file=stdout)
        for change in s.changed:
            loc = change.location
            print(f"  - {loc.path}:{loc.line}:{loc.column}: {change.message.split(';')[0]}", file=stdout)
    return EXIT_OK


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run one parsed command and return its exit status."""
    if args.command in ("schema", "reference", "new", "diff"):
        return run_tool(args, stdout, stderr)
    if args.command == "review":
        return run_review(args, stdout, stderr)
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
            outcome = pipeline.build(args.content, args.out, args.layouts, args.today, drafts=args.drafts, publish=args.publish)
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
