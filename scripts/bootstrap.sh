#!/usr/bin/env bash
# Installs what joinedup needs, from pinned versions, on a fresh Debian machine with Python 3.11.
# Usage: scripts/bootstrap.sh demo|test. As root it installs Debian packages too; otherwise it
# says which are missing. Re-running is quick: each step is skipped when its lock is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-demo}

apt_packages=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
if [ "$purpose" = test ]; then apt_packages+=(chromium postgresql); fi
command -v java >/dev/null || apt_packages+=(default-jre-headless)  # Spark, for linkage beyond one machine
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "Missing Debian packages (run as root, or: sudo apt-get install ${missing[*]})" >&2
  fi
fi

stamp() { cat "$@" | sha256sum | cut -c1-16; }

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
python_lock=$(stamp requirements.lock pyproject.toml)
if [ "$(cat .venv/.installed 2>/dev/null)" != "$python_lock" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -U "pip==26.*"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
  echo "$python_lock" > .venv/.installed
fi

npm_lock=$(stamp package-lock.json)
if [ "$(cat node_modules/.installed 2>/dev/null)" != "$npm_lock" ]; then
  npm ci --silent --no-audit --no-fund
  echo "$npm_lock" > node_modules/.installed
fi
assets_dir=joinedup/web/assets/govuk
if [ ! -f "$assets_dir/.installed" ] || [ "$(cat "$assets_dir/.installed")" != "$npm_lock" ]; then
  bash scripts/govuk-assets.sh
  echo "$npm_lock" > "$assets_dir/.installed"
fi
