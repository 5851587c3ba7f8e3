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
RUN pip install --no-cache-dir . && useradd --create-home pcsync
USER pcsync
ENV PCSYNC_INGEST_BIND=0.0.0.0:8700 PCSYNC_LOG_JSON=true
