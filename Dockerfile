# The kconnect CLI as an image: `docker run --rm -e KCONNECT_URL=http://connect:8083 \
#   -v "$PWD/connectors.d:/connectors.d:ro" kconnect apply /connectors.d --yes --wait`.
# Used by the bundled docker-compose.yml (service `kconnect`).
FROM python:3.12.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Only what the wheel build needs (pyproject's hatch config: the package, the schemas it
# force-includes, and the README named as `readme`); see .dockerignore.
COPY pyproject.toml README.md ./
COPY kconnect ./kconnect
COPY schemas ./schemas
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 kconnect
USER kconnect
WORKDIR /home/kconnect

ENTRYPOINT ["kconnect"]
CMD ["--help"]
