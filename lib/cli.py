"""``thesis``: build the book, rerun a chapter with other parameters, inspect parameters and claims.

    thesis build [--html] [--pdf] [--force]         execute changed chapters, render HTML and/or PDF
    thesis build --edition full [--data DIR]        the thesis's exact specification on your data
    thesis run CHAPTER [-p NAME=VALUE ...] [-f FILE] rerun one chapter into _runs/, compare with the book
    thesis params [--chapter CHAPTER]               parameters with type, default, allowed values
    thesis check FOLDER                             check a full-edition dataset, report every problem
    thesis ledger                                   the claims ledger of the last build
    thesis curate                                   rebuild data/open from ../shared/data/raw
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lib import paths


def build_book(out_root: Path, *, overrides: dict, builders: list[str], force: bool) -> None:
    """Execute every changed chapter into <out_root>/_build/executed and render it there."""
    from lib import build

    executed = out_root / "_build" / "executed"
    stems = build.toc_chapters()
    t0 = time.perf_counter()
    for i, stem in enumerate(build.execution_order(stems), 1):
        o = build.execute_chapter(stem, executed, overrides=overrides, force=force,
                                  edition=overrides.get("edition", "open"))
        state = f"executed in {o.seconds:.1f} s" if o.executed else "unchanged, skipped"
        print(f"[{i}/{len(stems)}] {stem}: {state}", flush=True)
    stage = build.stage(executed, out_root / "_build" / "stage", stems)
    for b in builders:
        t1 = time.perf_counter()
        build.render(stage, b, out_root)
        print(f"rendered {b} in {time.perf_counter() - t1:.1f} s", flush=True)
    if "pdflatex" in builders:
        print(f"PDF: {build.check_pdf(out_root)}")
    build.publish_pdf(out_root)
    if "html" in builders:
        print(f"HTML: {out_root / '_build' / 'html' / 'index.html'}")
    print(f"total {time.perf_counter() - t0:.1f} s")


def cmd_build(args: argparse.Namespace) -> int:
    builders = [b for b, on in (("html", args.html), ("pdflatex", args.pdf)) if on] or ["html", "pdflatex"]
    if args.edition == "open":
        build_book(paths.ROOT, overrides={}, builders=builders, force=args.force)
        return 0
    from lib import full_edition

    curated = full_edition.curate(Path(args.data), paths.FULL_CURATED)
    print(f"full-edition data checked and curated into {curated}")
    out = Path(args.out) if args.out else paths.ROOT / "_runs" / "full-edition"
    build_book(out, overrides={"edition": "full", "agglomeration_measure": "lq_adv"},
               builders=builders, force=args.force)
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from lib import params, runs

    names = None
    if args.chapter:
        stem = runs.resolve_chapter(args.chapter)
        names = runs.chapter_parameters(stem)
        print(f"{stem} reads {len(names)} parameter(s):")
    for name, s in params.schema().items():
        if names is None or name in names:
            print(f"{name}  ({s.type}, default {s.default!r}; allowed: {s.allowed()})\n    {s.doc}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import yaml

    from lib import runs

    overrides = {}
    if args.file:
        try:
            loaded = yaml.safe_load(Path(args.file).read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ValueError(f"{args.file}: not a readable UTF-8 YAML file ({exc})") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{args.file}: expected a mapping of parameter names to values")
        overrides.update(loaded)
    overrides.update(runs.parse_assignments(args.param or []))
    out = runs.run_chapter(args.chapter, overrides)
    table = __import__("pandas").read_csv(out / "comparison.csv")
    changed = table[table.changed]
    print(f"\n{len(changed)} of {len(table)} headline values differ from the canonical book:")
    if len(changed):
        print(changed[["key", "canonical", "rerun", "difference"]].to_string(index=False))
    print(f"\nrun folder: {out}\nHTML: {out / '_build' / 'html'}\ncomparison: {out / 'comparison.csv'}")
    return 0


def cmd_ledger(args: argparse.Namespace) -> int:
    from lib import ledger

    res = paths.EXECUTED / "results"
    if not res.exists():
        raise FileNotFoundError(f"no results in {res}: run `thesis build` first")
    verdicts, expected = ledger.evaluate(ledger.load_results(res)), ledger.expected()
    width = max(len(c.id) for c in ledger.CLAIMS)
    for c in ledger.CLAIMS:
        v = verdicts[c.id]
        flag = "" if expected.get(c.id) == v.status else f"   (committed: {expected.get(c.id)})"
        print(f"{c.id:<{width}}  {v.status:<16}  {v.evidence}{flag}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from lib import full_edition

    problems = full_edition.check(Path(args.folder))
    if not problems:
        print(f"{args.folder}: no problems found")
        return 0
    for p in problems:
        print(p, file=sys.stderr)
    err = full_edition.DatasetError(problems)
    print(f"{len(problems)} problem(s); nothing was written", file=sys.stderr)
    return err.exit_code


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
    b.add_argument("--edition", choices=["open", "full"], default="open",
                   help="full: check and curate --data, then build the book into _runs/full-edition")
    b.add_argument("--data", default=str(paths.DATA / "full"), help="full-edition input folder")
    b.add_argument("--out", help="output folder of the full edition (default _runs/full-edition)")
    b.set_defaults(func=cmd_build)
    p = sub.add_parser("params", help="list every study parameter (or those one chapter reads)")
    p.add_argument("--chapter", help="e.g. 07 or 07_threshold")
    p.set_defaults(func=cmd_params)
    r = sub.add_parser("run", help="rerun one chapter with other parameters into its own folder")
    r.add_argument("chapter", help="e.g. 07, 07_threshold or threshold")
    r.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="a parameter (repeatable)")
    r.add_argument("-f", "--file", help="YAML file of parameters")
    r.set_defaults(func=cmd_run)
    ch = sub.add_parser("check", help="check a full-edition dataset (schema: data/full_schema.md)")
    ch.add_argument("folder", help="folder with observations.csv, indicators.csv, reference.csv")
    ch.set_defaults(func=cmd_check)
    led = sub.add_parser("ledger", help="print the claims ledger of the last build")
    led.set_defaults(func=cmd_ledger)
    c = sub.add_parser("curate", help="rebuild data/open from the raw public statistics")
    c.set_defaults(func=cmd_curate)
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # noqa: BLE001  (one clear line per failure, with its own exit code)
        from lib.full_edition import DatasetError

        if isinstance(exc, DatasetError):
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code
        if isinstance(exc, (ValueError, FileNotFoundError, RuntimeError, KeyError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
