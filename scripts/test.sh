#!/usr/bin/env bash
# Install everything into .venv, lint, and run the whole test suite.
# Database tests run on SQLite and, when a PostgreSQL server is reachable
# (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test), on PostgreSQL too.
# Browser tests use Debian's chromium (/usr/bin/chromium or $CHROMIUM_PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=requirements-dev.txt source scripts/_venv.sh
# axe-core for the accessibility checks of the browser tests (npm registry), once.
AXE=.axe/node_modules/axe-core/axe.min.js
if [ ! -f "$AXE" ] && command -v npm >/dev/null 2>&1; then
    npm install --silent --no-save --no-audit --no-fund --prefix .axe axe-core@4.14.1 >/dev/null
fi
.venv/bin/ruff check .
# Tests run in parallel, one worker per CPU (PYTEST_WORKERS=0 runs them in this process): most
# of a browser or server test is waiting, and every worker has its own databases and servers.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" "$@"
