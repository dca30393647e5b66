#!/usr/bin/env bash
# The whole test suite: lint, then every test against SQLite, then against a throwaway
# PostgreSQL server started on 127.0.0.1 and removed afterwards. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh test
export JOINEDUP_MODE=test DJANGO_ALLOW_ASYNC_UNSAFE=true  # Playwright's sync API runs in an event loop
mkdir -p test-output

echo "== lint"
.venv/bin/ruff check joinedup benchmarks
.venv/bin/ruff format --check joinedup benchmarks
.venv/bin/lint-imports --no-cache

echo "== known vulnerabilities in the pinned dependencies (skipped, saying so, when offline)"
bash scripts/audit-dependencies.sh

echo "== tests on SQLite"
.venv/bin/python -m pytest "$@"

echo "== tests on PostgreSQL"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_data=$(mktemp -d /tmp/joinedup-pg.XXXXXX)
pg_port=${PG_PORT:-54329}
as_postgres=()
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pg_data"; as_postgres=(runuser -u postgres --); fi
stop_postgres() {
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_data"
}
trap stop_postgres EXIT
"${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_data -c fsync=off -c full_page_writes=off" start >/dev/null
# Spark linkage reads no database: it ran once, above.
DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/joinedup" .venv/bin/python -m pytest -m "not spark" "$@"
