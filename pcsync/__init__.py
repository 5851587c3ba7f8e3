"""pcsync: keeps HubSpot CRM and AWS Partner Central in sync.

This package holds what every process shares: configuration, logging and the
command line. The architecture lives in the sibling packages `ingest`,
`workers`, `tasks`, `models` and `simulators`.
"""

from pcsync.metrics_folder import choose_process_folder

choose_process_folder()
