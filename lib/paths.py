"""Every path the project uses, in one place."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CHAPTERS = ROOT / "chapters"
PARAMS_FILE = ROOT / "params.yml"
BUILD = ROOT / "_build"
EXECUTED = BUILD / "executed"
VALIDATION = ROOT / "validation"
REFERENCE = VALIDATION / "reference"
# The raw public statistics live outside the repository (see data/README.md).
SHARED_RAW = Path(os.environ.get("THESIS_RAW_DIR", ROOT.parent / "shared" / "data" / "raw"))
# Curated full-edition data (built by `thesis build --edition full` from the user's data/full)
FULL_CURATED = Path(os.environ.get("THESIS_FULL_CURATED", DATA / "full" / "curated"))
