#!/usr/bin/env bash
# Backs up joinedup's PostgreSQL database (DATABASE_URL): a pg_dump archive in custom format,
# which holds the schema, every row (the audit log among them), sequences, the audit log's
# append-only trigger and privileges. The archive is listed before it is kept: one that cannot be
# read fails now, not on the day it is needed. Prints the file written.
# Usage: scripts/backup.sh [FILE]   (default: $JOINEDUP_BACKUP_DIR, or ., /joinedup-<UTC time>.dump)
set -euo pipefail
: "${DATABASE_URL:?Set DATABASE_URL to the postgres:// URL of the database to back up}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh backs up PostgreSQL: DATABASE_URL is not a postgres:// URL" >&2; exit 2 ;;
esac
file=${1:-${JOINEDUP_BACKUP_DIR:-.}/joinedup-$(date -u +%Y%m%dT%H%M%SZ).dump}
umask 077  # children's records: readable by this account only
pg_dump --format=custom --file="$file.partial" --dbname="$DATABASE_URL"
pg_restore --list "$file.partial" >/dev/null
mv "$file.partial" "$file"
echo "$file"
