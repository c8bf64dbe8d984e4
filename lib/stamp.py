"""Build stamp: commit, date, parameter hash, data hash and package versions."""
from __future__ import annotations

import datetime as dt
import subprocess

from lib import paths
from lib.build import data_hash, package_versions


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=paths.ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=paths.ROOT,
                               capture_output=True, text=True).stdout.strip()
        return out + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"


def stamp(params) -> dict:
    return {"commit": git_commit(), "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "params_hash": params.digest(), "data_hash": data_hash(params.edition)[:12],
            "edition": params.edition, **package_versions()}
