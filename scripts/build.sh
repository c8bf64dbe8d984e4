#!/usr/bin/env bash
# One command from a fresh Debian machine to the built book:
#   Debian packages (TeX with CJK, fonts, Chromium; skipped with SKIP_APT=1 or when not root),
#   the virtual environment .venv with the pinned packages and this project (pip install -e .),
#   then `thesis build`: papermill executes every chapter whose inputs changed, and
#   Jupyter Book renders _build/html (offline) and _build/latex/thesis.pdf.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_APT:-0}" != 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(grep -v '^#' apt.txt) >/dev/null
  else
    echo "not root: skipping apt; install the packages in apt.txt yourself" >&2
  fi
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
.venv/bin/python -m pip install -q --no-deps -e .
.venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
.venv/bin/thesis build "$@"
