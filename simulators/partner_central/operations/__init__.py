"""Operation handlers, one module per resource. Each handler takes
(simulator, catalog state, decoded params) and returns the output dict."""

from . import engagement_search, engagements, invitations, opportunities, snapshots, tasks

HANDLERS = {
    **opportunities.HANDLERS,
    **engagements.HANDLERS,
    **engagement_search.HANDLERS,
    **invitations.HANDLERS,
    **snapshots.HANDLERS,
    **tasks.HANDLERS,
}
