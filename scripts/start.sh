#!/usr/bin/env bash
# Install everything into .venv and start SPIC-monitor on http://localhost:8501.
# The first start creates data/spic_monitor.db (SQLite) and loads the demo dataset;
# set DATABASE_URL to use PostgreSQL instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
# Settings are checked before the server starts: a bad value stops here with a Dutch reason.
.venv/bin/python -m data_access instellingen >/dev/null
exec .venv/bin/python -m streamlit run dashboard/server.py --browser.gatherUsageStats false "$@"
