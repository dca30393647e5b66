"""gunicorn's configuration, the same for production and the demo: `gunicorn -c
python:joinedup.gunicorn_conf`. Everything comes from the environment (README.md, "Deployment").

Requests are logged once, by Django (joinedup.web.request_log), which knows the signed-in user
and the request's id; gunicorn's own access log stays off and its error log (workers starting,
stopping, timing out) goes through the same formatter, so every line is JSON, or every line text."""

import os

from joinedup.common.logs import logging_config_from_environment

wsgi_app = "joinedup.wsgi:application"
bind = os.environ.get("JOINEDUP_BIND", "127.0.0.1:8000").split(",")
# Threads wait on the database and on files; two processes keep serving if one is stuck or restarting.
workers = int(os.environ.get("JOINEDUP_WEB_WORKERS", "2"))
threads = int(os.environ.get("JOINEDUP_WEB_THREADS", "4"))
worker_class = "gthread"
# Long enough for the heaviest page (an evidence comparison over the whole authority).
timeout = int(os.environ.get("JOINEDUP_WEB_TIMEOUT", "120"))
graceful_timeout = 30
# A worker is replaced after this many requests, with jitter so they do not all restart at once:
# a slow leak (a cached DuckDB, a big pandas frame) then never grows without end.
max_requests = int(os.environ.get("JOINEDUP_WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The heartbeat files in memory, not on a container's overlay disk, where fchmod can stall a worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn's runtime control socket defaults to one path per user: two servers would share it.
control_socket_disable = True
accesslog = None
logconfig_dict = logging_config_from_environment(os.environ.get("JOINEDUP_MODE", "production"))
proc_name = "joinedup"


def post_worker_init(worker) -> None:
    """Import every page's code before the worker takes its first request: the evidence pages
    bring in pandas and scipy (about 4 s), which the first person to sign in would otherwise wait
    for. Each worker does it after it is forked, so nothing is shared across a fork."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - resolving imports the URLconf and every view


# The demo runs on one machine with no compose file: gunicorn starts the task worker beside the web
# workers (imports, linkage and builds started in the browser would otherwise wait for ever) and
# stops it when it stops. Production runs the worker as its own service instead.
_task_worker = None


def when_ready(server) -> None:
    global _task_worker
    if os.environ.get("JOINEDUP_SERVE_TASKS") == "1":
        import subprocess
        import sys

        _task_worker = subprocess.Popen([sys.executable, "-m", "joinedup.cli", "db_worker", "--no-reload"])
        server.log.info("Task worker started (pid %s)", _task_worker.pid)


def on_exit(server) -> None:
    if _task_worker is not None and _task_worker.poll() is None:
        _task_worker.terminate()
        _task_worker.wait(timeout=60)
