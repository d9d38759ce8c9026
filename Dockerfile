# evidra in a slim image: `docker run evidra check aws` with AWS credentials in the environment.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir '.[aws,postgres]' \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin evidra \
    && rm -rf /src

USER evidra
WORKDIR /home/evidra
ENTRYPOINT ["evidra"]
CMD ["--help"]
