"""``thesis``: build the book, list parameters, curate data.

    thesis build [--html] [--pdf] [--force]   execute changed chapters, render HTML and/or PDF
    thesis params [--chapter STEM]            every parameter with type, default, allowed values
    thesis curate                             rebuild data/open from ../shared/data/raw
"""
from __future__ import annotations

import argparse
import sys
import time

from lib import paths


def cmd_build(args: argparse.Namespace) -> int:
    from lib import build

    builders = [b for b, on in (("html", args.html), ("pdflatex", args.pdf)) if on] or ["html", "pdflatex"]
    stems = build.toc_chapters()
    t0 = time.perf_counter()
    for i, stem in enumerate(build.execution_order(stems), 1):
        o = build.execute_chapter(stem, paths.EXECUTED, force=args.force)
        state = f"executed in {o.seconds:.1f} s" if o.executed else "unchanged, skipped"
        print(f"[{i}/{len(stems)}] {stem}: {state}", flush=True)
    stage = build.stage(paths.EXECUTED, build.STAGE, stems)
    for b in builders:
        t1 = time.perf_counter()
        build.render(stage, b, paths.ROOT)
        print(f"rendered {b} in {time.perf_counter() - t1:.1f} s", flush=True)
    if "pdflatex" in builders:
        print(f"PDF: {build.check_pdf(paths.ROOT)}")
    print(f"HTML: {paths.BUILD / 'html' / 'index.html'}" if "html" in builders else "")
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from lib import params

    for name, s in params.schema().items():
        print(f"{name}  ({s.type}, default {s.default!r}; allowed: {s.allowed()})\n    {s.doc}")
    return 0


def cmd_curate(args: argparse.Namespace) -> int:
    from lib import curate

    print(f"curated data written to {curate.curate()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="thesis", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute chapters (only those whose inputs changed) and render")
    b.add_argument("--html", action="store_true", help="render HTML only (with --pdf: both)")
    b.add_argument("--pdf", action="store_true", help="render the PDF only (with --html: both)")
    b.add_argument("--force", action="store_true", help="re-execute every chapter")
    b.set_defaults(func=cmd_build)
    p = sub.add_parser("params", help="list every study parameter")
    p.set_defaults(func=cmd_params)
    c = sub.add_parser("curate", help="rebuild data/open from the raw public statistics")
    c.set_defaults(func=cmd_curate)
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
