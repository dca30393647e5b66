#!/usr/bin/env bash
# How production starts, in the container (its ENTRYPOINT) or straight on a host:
#   web      migrate (unless JOINEDUP_MIGRATE_ON_START=0), then serve under gunicorn
#   worker   run queued tasks (joinedup db_worker, django-tasks-db's worker)
#   webhooks deliver the partner API's webhooks as events arrive (joinedup deliver-webhooks --watch)
#   migrate  apply migrations and stop (compose's one-off service)
#   backup FILE / restore FILE   scripts/backup.sh and scripts/restore.sh
#   anything else runs as given, e.g. `joinedup import ...` or `bash`.
# Configuration is the environment only: README.md, "Deployment", lists every variable.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python}

command=${1:-web}
[ $# -gt 0 ] && shift
case "$command" in
  web)
    if [ "${JOINEDUP_MIGRATE_ON_START:-1}" = 1 ]; then
      "$python" -m joinedup.cli migrate --noinput
    fi
    exec "$python" -m gunicorn --config python:joinedup.gunicorn_conf "$@"
    ;;
  worker) exec "$python" -m joinedup.cli db_worker "$@" ;;
  webhooks) exec "$python" -m joinedup.cli deliver-webhooks --watch "$@" ;;
  migrate) exec "$python" -m joinedup.cli migrate --noinput "$@" ;;
  backup) exec bash "$here/backup.sh" "$@" ;;
  restore) exec bash "$here/restore.sh" "$@" ;;
  *) exec "$command" "$@" ;;
esac
