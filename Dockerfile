# evidra in a slim image. By default it runs the daemon (schedules from /config/evidra.yaml);
# any other command works too: `docker run evidra check aws`.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EVIDRA_CONFIG=/config/evidra.yaml

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# Installs this project itself; its dependencies are bounded in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir '.[aws,okta,azure,gcp,postgres,daemon,celery,report,trust]' \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin evidra \
    && mkdir -p /config /data \
    && chown evidra /data \
    && rm -rf /src

USER 10001
WORKDIR /data
EXPOSE 9108
# The daemon's own health: unhealthy when a provider's last complete run is too old.
HEALTHCHECK --interval=60s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os,sys,urllib.request; port=os.environ.get('EVIDRA_HEALTH_PORT','9108'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["evidra"]
CMD ["daemon"]
