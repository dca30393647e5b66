#!/usr/bin/env bash
# Known vulnerabilities in what joinedup pins: pip-audit over requirements.lock (PyPI's advisory
# data) and npm audit over package-lock.json (govuk-frontend). Where an advisory service cannot be
# reached, as on an offline build machine, that check says SKIPPED and why rather than passing
# silently; a vulnerability found, or a pin it could not check, fails. docs/dependency-audit.md.
set -uo pipefail
cd "$(dirname "$0")/.." || exit
failed=0

django=$(sed -n 's/^django==//Ip' requirements.lock)
probe="https://pypi.org/pypi/django/$django/json"  # the per-release page pip-audit reads for each pin
if .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)" "$probe" 2>/dev/null; then
  .venv/bin/pip-audit --requirement requirements.lock --no-deps --disable-pip --strict --progress-spinner off || failed=1
else
  echo "SKIPPED pip-audit: PyPI's advisory data ($probe) cannot be reached from here"
fi

if command -v npm >/dev/null; then
  report=$(mktemp)
  npm audit --package-lock-only --json >"$report" 2>/dev/null
  .venv/bin/python - "$report" <<'PY' || failed=1
import json, sys
report = json.load(open(sys.argv[1]))
if "vulnerabilities" not in report:  # the registry refused or was unreachable: no answer either way
    print(f"SKIPPED npm audit: the registry's advisory service answered {report.get('message', 'nothing')}")
    sys.exit(0)
found = report["metadata"]["vulnerabilities"]
print(f"npm audit: {found['total']} known vulnerabilities in package-lock.json {found}")
sys.exit(1 if found["total"] else 0)
PY
  rm -f "$report"
else
  echo "SKIPPED npm audit: npm is not installed"
fi
exit $failed
