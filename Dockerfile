# Common Ground — production image.
# Build: docker build -t commonground .
# Run:   docker run -e BOT_TOKEN=... -v commonground-data:/data commonground
#        (webhook mode: also -e BOT_WEBHOOK_URL=... -e BOT_WEBHOOK_SECRET=...
#         -p 127.0.0.1:8443:8443, behind a TLS reverse proxy)

# --- build stage: dependencies into a virtualenv, catalogs compiled ---------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /venv
# Dependencies first (read from pyproject.toml), so code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > requirements.txt \
    && /venv/bin/pip install -r requirements.txt
COPY locales ./locales
RUN /venv/bin/pybabel compile -d locales -D messages

# --- runtime stage: slim, non-root, database on a volume ---------------------------------------
FROM python:3.11-slim
ENV PATH="/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BOT_DB_PATH=/data/commonground.sqlite3 \
    MPLCONFIGDIR=/var/cache/matplotlib
# Fonts for the charts: Noto Sans (Latin, Vietnamese) and Noto Sans Arabic, Noto Sans CJK SC.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin commonground \
    && mkdir -p /data /var/cache/matplotlib && chown commonground /data /var/cache/matplotlib
WORKDIR /app
COPY --from=build /venv /venv
COPY bot ./bot
COPY migrations ./migrations
COPY --from=build /src/locales ./locales
USER commonground
# matplotlib's list of the system fonts, built once here rather than at every start
RUN python -c "import matplotlib.font_manager"
VOLUME ["/data"]
# Webhook mode only (BOT_WEBHOOK_URL set): the bot's plain-HTTP server listens on
# BOT_WEBHOOK_LISTEN, 0.0.0.0:8443 unless set. Publish it to the TLS reverse proxy only
# (-p 127.0.0.1:8443:8443). Long polling (the default) needs no port.
EXPOSE 8443
# Healthy: the database answers read-only at the current schema, the bot's loop and its
# outbox sender wrote their heartbeat within two minutes, and (webhook mode) no update has
# waited in the inbox for more than five minutes (bot/health.py).
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck"]
# SIGTERM (docker stop) makes the bot finish its updates and exit cleanly.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
