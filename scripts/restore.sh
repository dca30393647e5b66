#!/usr/bin/env bash
# Restores a scripts/backup.sh archive into DATABASE_URL, replacing what is there, in one
# transaction: on any error nothing changes. Then checks that every migration this code knows is
# applied (an older backup needs `joinedup migrate` before the site is started on it).
# Stop the web and worker processes first: they hold locks the restore waits for.
# Usage: scripts/restore.sh FILE
set -euo pipefail
file=${1:?Usage: scripts/restore.sh FILE (an archive from scripts/backup.sh)}
: "${DATABASE_URL:?Set DATABASE_URL to the postgres:// URL of the database to restore into}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "restore.sh restores PostgreSQL: DATABASE_URL is not a postgres:// URL" >&2; exit 2 ;;
esac
[ -r "$file" ] || { echo "restore.sh: cannot read $file" >&2; exit 2; }
# Objects are owned by the role restoring them, so an archive restores into another server too.
pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error --dbname="$DATABASE_URL" "$file"
# --skip-checks: the system checks import every page (pandas, scipy), ten seconds for nothing here.
if ! "${PYTHON:-python}" -m joinedup.cli migrate --check --skip-checks >/dev/null; then
  echo "Restored, but this backup predates this version's migrations: run joinedup migrate" >&2
  exit 3
fi
echo "Restored $file"
