FROM python:3.11-slim
WORKDIR /app
COPY setup.cfg pyproject.toml README.md ./
COPY pcsync pcsync
COPY ingest ingest
COPY workers workers
COPY tasks tasks
COPY models models
COPY simulators simulators
COPY celeryconfig.py ./
# /app stays root-owned and read-only for the service; what it writes (beat's
# schedule, gunicorn's control socket, metrics files) goes to folders the
# pcsync user owns, mounted as volumes by docker-compose.yml.
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 pcsync \
    && install -d -o pcsync -g pcsync /var/lib/pcsync /var/lib/pcsync-metrics
USER pcsync
ENV PCSYNC_INGEST_BIND=0.0.0.0:8700 \
    PCSYNC_LOG_JSON=true \
    PCSYNC_DATA_DIR=/var/lib/pcsync \
    PCSYNC_METRICS_DIR=/var/lib/pcsync-metrics
VOLUME ["/var/lib/pcsync"]
