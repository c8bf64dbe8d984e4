#!/usr/bin/env bash
# Run the test suite (after scripts/build.sh, which the browser and PDF tests need).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest -q "$@"
