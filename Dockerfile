# syntax=docker/dockerfile:1
# joinedup's production image: the web application (gunicorn, static files by WhiteNoise), the
# task worker and the one-off commands, all from one image. Everything Python comes from
# requirements.lock, everything npm from package-lock.json. Built and run: README.md, "Deployment".
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim
# The lock's torch is the CPU build: PyPI's own torch wheel for Linux brings several GB of CUDA
# libraries that nothing here uses. A mirror of PyTorch's CPU wheels can be given instead.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

# The GOV.UK Design System's fonts, images, CSS and JavaScript, as scripts/bootstrap.sh makes them.
FROM ${NODE_IMAGE} AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/govuk-assets.sh scripts/
RUN bash scripts/govuk-assets.sh

# The virtualenv, from the lock, and the static files, collected and hashed for WhiteNoise.
FROM ${PYTHON_IMAGE} AS build
ARG TORCH_INDEX_URL
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# pip and setuptools as in the virtualenv the lock was made in (pip freeze leaves them out).
RUN python -m venv /opt/venv && pip install "pip==26.3" "setuptools==84.2.1"
WORKDIR /app
COPY requirements.lock ./
# torch alone first, without its dependencies: the lock's versions of those come next.
RUN pip install --no-deps --index-url "$TORCH_INDEX_URL" "torch==$(sed -n 's/^torch==//p' requirements.lock)" \
    && pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY joinedup ./joinedup
COPY scripts/entrypoint.sh scripts/backup.sh scripts/restore.sh ./scripts/
COPY --from=assets /build/joinedup/web/assets/govuk ./joinedup/web/assets/govuk
RUN pip install --no-deps --no-build-isolation -e . \
    && JOINEDUP_MODE=production SECRET_KEY=collectstatic-only DATABASE_URL=postgres://unused/unused \
       JOINEDUP_STATIC_ROOT=/app/static python -m joinedup.cli collectstatic --noinput --verbosity 0

# What runs: no compilers, no npm, code owned by root and read-only to the unprivileged user.
FROM ${PYTHON_IMAGE} AS runtime
# WeasyPrint's Pango and a font for PDF reports; pg_dump and pg_restore for backups.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 joinedup \
    && useradd --system --uid 10001 --gid joinedup --create-home --shell /usr/sbin/nologin joinedup \
    && install -d -o joinedup -g joinedup /var/lib/joinedup /backups
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    JOINEDUP_MODE=production \
    JOINEDUP_VAR_DIR=/var/lib/joinedup \
    JOINEDUP_STATIC_ROOT=/app/static \
    JOINEDUP_BACKUP_DIR=/backups \
    JOINEDUP_BIND=0.0.0.0:8000
WORKDIR /app
USER 10001:10001
EXPOSE 8000
VOLUME ["/var/lib/joinedup"]
# Liveness only: a database outage must not get the web container restarted (compose's web
# service asks /health/ready instead, to know when to send traffic).
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]
ENTRYPOINT ["/app/scripts/entrypoint.sh"]
CMD ["web"]
