"""Operation handlers, one module per resource. Each handler takes
(simulator, catalog state, decoded params) and returns the output dict."""

from . import engagements, invitations, opportunities, snapshots, tasks

HANDLERS = {
    **opportunities.HANDLERS,
    **engagements.HANDLERS,
    **invitations.HANDLERS,
    **snapshots.HANDLERS,
    **tasks.HANDLERS,
}
