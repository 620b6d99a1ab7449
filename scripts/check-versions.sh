#!/usr/bin/env bash
# Run the calendar, data and core tests against the oldest and the newest releases of numpy,
# pandas and exchange_calendars that pyproject.toml allows (docs/data.md, "Checking the oldest
# and newest supported releases"). Each end gets a throw-away virtual environment under
# ${TMPDIR:-/tmp}, removed afterwards. Usage: scripts/check-versions.sh [oldest|newest|both]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
ends=${1:-both}

# the lower bounds of pyproject.toml's dependencies (keep in step with it)
oldest_pins=(
  "numpy==1.26.4" "pandas==2.0.*" "exchange_calendars==4.11.2" "scipy==1.10.*"
  "statsmodels==0.14.*" "pyarrow==14.*" "matplotlib==3.7.*" "numba==0.60.*"
)

made=()
cleanup() { if [ ${#made[@]} -gt 0 ]; then rm -rf "${made[@]}"; fi; }
trap cleanup EXIT  # also when a test fails and set -e ends the script

check() {
  local end=$1 venv
  venv=$(mktemp -d "${TMPDIR:-/tmp}/eventstudy-$end.XXXXXX")
  made+=("$venv")
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  if [ "$end" = oldest ]; then
    printf '%s\n' "${oldest_pins[@]}" > "$venv/constraints.txt"
    "$venv/bin/python" -m pip install -q -c "$venv/constraints.txt" "$here[test]"
  else
    "$venv/bin/python" -m pip install -q --upgrade --upgrade-strategy eager "$here[test]"
  fi
  echo "== $end: $("$venv/bin/python" -c 'import numpy, pandas, exchange_calendars as x; print("numpy", numpy.__version__, "pandas", pandas.__version__, "exchange_calendars", x.__version__)')"
  # python -m pytest puts the checkout first on sys.path: the tests run this source tree
  (cd "$here" && EVENTSTUDY_CALENDAR_CACHE=0 MPLBACKEND=Agg "$venv/bin/python" -m pytest -q \
    -p no:cacheprovider tests/test_calendar.py tests/test_calendar_upstream.py tests/data tests/core)
}

case "$ends" in
  oldest | newest) check "$ends" ;;
  both) check oldest && check newest ;;
  *) echo "usage: $0 [oldest|newest|both]" >&2; exit 2 ;;
esac
