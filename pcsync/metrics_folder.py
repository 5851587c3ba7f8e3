"""Where this process keeps its Prometheus counters (see pcsync/metrics.py).

prometheus-client reads PROMETHEUS_MULTIPROC_DIR once, when it is first
imported, so the folder is chosen when the `pcsync` package loads, before any
module can import prometheus-client. Each host (container) gets its own
sub-folder of PCSYNC_METRICS_DIR because process ids repeat across
containers sharing one volume.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

METRICS_DIR_VARIABLE = "PCSYNC_METRICS_DIR"


def choose_process_folder() -> None:
    base = os.environ.get(METRICS_DIR_VARIABLE)
    if base and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        own = Path(base) / socket.gethostname()
        own.mkdir(parents=True, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(own)
