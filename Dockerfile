# briefbot: one process for the chat adapters, the digest scheduler and /healthz + /metrics.
#   docker build -t briefbot .                       (telegram + discord + postgres)
#   docker build --build-arg SEMANTIC=1 -t briefbot . (adds the semantic extra)
# CI has no Docker engine: .ci/check-docker-recipe replays docker/install.sh in a fresh venv.
FROM python:3.11-slim

# tzdata: IANA zones (digest times such as Asia/Seoul) must resolve in a slim image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PTB_TIMEDELTA=true

ARG SEMANTIC=0
COPY . /src
RUN SEMANTIC="$SEMANTIC" sh /src/docker/install.sh /src \
    && install -m 0644 /src/docker/healthcheck.py /usr/local/lib/briefbot-healthcheck.py \
    && rm -rf /src

RUN useradd --system --uid 10001 --create-home --home-dir /home/briefbot briefbot \
    && mkdir /data && chown briefbot:briefbot /data
VOLUME /data
WORKDIR /home/briefbot

ENV BRIEFBOT_STORE__PATH=/data/briefbot.sqlite3 \
    BRIEFBOT_HTTP__ENABLED=true \
    BRIEFBOT_HTTP__HOST=0.0.0.0 \
    BRIEFBOT_HTTP__PORT=8080 \
    BRIEFBOT_LOGGING__LEVEL=INFO
EXPOSE 8080

USER briefbot
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/lib/briefbot-healthcheck.py"]
# `run` stops on SIGTERM (docker stop) and closes cleanly within 10 s, docker's default grace.
CMD ["briefbot", "run"]
