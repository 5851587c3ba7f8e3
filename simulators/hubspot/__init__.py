"""A local stand-in for the HubSpot CRM API that fails where HubSpot fails.

`create_app(**options)` builds the Flask app; its state and Python controls
are at `app.extensions["hubspot_simulator"]` (a `HubSpotSimulator`). See
`docs/simulators/hubspot.md` for driving it over HTTP.
"""

from .app import create_app
from .state import HubSpotSimulator

__all__ = ["HubSpotSimulator", "create_app"]
