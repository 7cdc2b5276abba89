# Lastmile as a container image: `lastmile run` (web, with migrations), `lastmile worker`, `lastmile vroom serve`.
# Build: docker build -t lastmile .   (or podman build; see README "Container images")
# The bases are arguments so a machine without a registry can build from local images of the same
# Debian release (.ci/build-image does: debootstrap + Node from the host).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# The web apps: built by npm from the lock file, never committed.
FROM ${NODE_IMAGE} AS pwa
WORKDIR /src/pwa
COPY pwa/package.json pwa/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY pwa/ ./
RUN npm run build

FROM ${PYTHON_IMAGE} AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/lastmile/bin:$PATH
# Dependencies first, pinned by the lock file: a code change does not reinstall them.
COPY requirements.lock /tmp/requirements.lock
RUN python3 -m venv /opt/lastmile && pip install -r /tmp/requirements.lock
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY backend backend
COPY migrations migrations
COPY --from=pwa /src/pwa/dist pwa/dist
RUN pip install --no-deps . && rm -rf /src && useradd --system --home-dir /srv/lastmile --create-home lastmile \
    && install -d -o lastmile -g lastmile /srv/lastmile/instance
USER lastmile
WORKDIR /srv/lastmile
# SQLite, the secret key, VAPID keys and uploads live in the instance folder: mount a volume there.
ENV HOST=0.0.0.0 PORT=5000 INSTANCE_PATH=/srv/lastmile/instance
VOLUME /srv/lastmile/instance
EXPOSE 5000 3000
HEALTHCHECK --interval=30s --timeout=5s CMD python3 -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
CMD ["lastmile", "run"]
