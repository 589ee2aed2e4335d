#!/usr/bin/env bash
# Real-client tests: official SDKs, curl and requests against the emulator binary.
#
# For every tests/python/<suite>/requirements.txt (or only the suites named as arguments):
# a virtual environment in target/venvs/<suite>, reused while the hash of its requirements and
# of the Python version is unchanged, then pytest on the suite. The emulator binary is built
# once; the tests start it themselves on free ports (see tests/python/fwemu.py).
# Needs python3 (with venv), curl, and PyPI; set PYTHON to pick another interpreter.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
TARGET=${CARGO_TARGET_DIR:-target}
export PYTHONDONTWRITEBYTECODE=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

cargo build -p fireworks-ai-emulator --locked
export FIREWORKS_EMULATOR_BIN="$PWD/$TARGET/debug/fireworks-ai-emulator"

if [ "$#" -gt 0 ]; then
    suites=("$@")
else
    suites=()
    for requirements in tests/python/*/requirements.txt; do
        suites+=("$(basename "$(dirname "$requirements")")")
    done
fi

for suite in "${suites[@]}"; do
    requirements="tests/python/$suite/requirements.txt"
    venv="$TARGET/venvs/$suite"
    hash=$("$PYTHON" -c 'import hashlib, sys
print(hashlib.sha256(open(sys.argv[1], "rb").read() + sys.version.encode()).hexdigest())' "$requirements")
    if [ "$(cat "$venv/.requirements-hash" 2>/dev/null || true)" != "$hash" ]; then
        printf '== %s: creating %s\n' "$suite" "$venv"
        rm -rf "$venv"
        "$PYTHON" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet -r "$requirements"
        echo "$hash" > "$venv/.requirements-hash"
    fi
    printf '== %s: pytest\n' "$suite"
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "tests/python/$suite"
done
