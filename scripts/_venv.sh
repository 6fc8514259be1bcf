# Sourced by start.sh and test.sh: create .venv with Python 3.11+ and install the requirements.
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "SPIC-monitor needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))." >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "${REQUIREMENTS:-requirements.txt}"
