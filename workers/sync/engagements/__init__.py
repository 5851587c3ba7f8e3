"""AWS engagement lifecycle on HubSpot deals: is AWS engaged, with whom, since when.

Runs from beat every PCSYNC_ENGAGEMENT_SYNC_MINUTES (30), on Partner
Central events, and from `pcsync sync engagements [--full]`. Two steps:

**Detect** (the cycle only) marks links dirty (`EngagementState.dirty_since`)
and advances the watermark in the same transaction. Partner Central has no
"engagements changed since" query, so for N links a cycle looks at:

1. opportunities modified since the watermark (`ListOpportunities`,
   `AfterLastModifiedDate`, ascending, 100 a page): stage, review status,
   submission, AWS approval or rejection; ceil(changed/100) calls + 1;
2. engagements modified since the engagement watermark (`SearchEngagements`
   filtered on `LastModifiedAt`, oldest first, 100 a page) whose `ModifiedAt`
   or `MemberCount` differs from what the link last saw: a partner joined;
   ceil(changed/100) calls, one when nothing changed;
3. links still Pending whose engagement's latest invitation changed
   (`ListEngagementInvitations`, 10 engagements a call, both directions): an
   expiry moves no timestamp at all; 2 * ceil(pending/10) calls;
4. links never refreshed (new links).

Changes to AWS's side alone (the AWS team, AWS's stage in
`GetAwsOpportunitySummary`) move no timestamp pcsync can list: they arrive
through `Opportunity Updated` events, and a **full pass** (every
FULL_PASS_INTERVAL, the first cycle, or `--full`) re-reads every link so a
lost event is caught within a day. A full pass lists every opportunity and
every engagement association once instead of per link.

**Refresh** (the drain) re-reads each dirty link, 100 at a time:
`ListEngagementResourceAssociations` (the opportunity's engagements; the
most recently created one is shown), `GetEngagement` (kickoff, member
count), `ListEngagementMembers` (10 a page, the model's maximum),
`GetAwsOpportunitySummary` (AWS team and stage; absent before submission),
`ListEngagementInvitations` (10 engagements a call) and, unless the cycle
listed it, the opportunity's stage and review status (`ListOpportunities`
by Identifier, 20 a call). It derives the status (table in
`workers.engine.engagement_status`), writes the deal properties that differ
from what pcsync last wrote with HubSpot batch updates (100 deals a call),
and records one note per observed change of status or team in the notes
ledger in the same transaction as the new state; the notes are then sent
(see `models.engagements`). No Partner Central or HubSpot call is made
while a database transaction is open: read, send, then record. Each
batch commits on its own, so a cycle stopped by a rate limit, the time
budget or a crash continues where it stopped. One drainer runs at a time
(a lock), so a link is never refreshed twice at once. All Partner Central
calls use the run's priority (background for beat and the CLI).

The package, along those seams: `cycle` (detection and the cycle),
`refresh` (the drain), `observation` (the Partner Central reads), `notes`
(note delivery to HubSpot) and `marking` (asking for a refresh); the pure
decisions are in `workers.engine.engagements`.
"""

from workers.sync.engagements.cycle import (
    ENGAGEMENT_WATERMARK_KEY,
    FULL_PASS_KEY,
    WATERMARK_KEY,
    CycleReport,
    run_engagement_sync,
)
from workers.sync.engagements.marking import mark_opportunities_dirty, opportunities_of_engagement
from workers.sync.engagements.refresh import (
    DrainReport,
    EventRefresh,
    drain,
    drain_follow_up,
    refresh_after_event,
)

__all__ = [
    "ENGAGEMENT_WATERMARK_KEY",
    "FULL_PASS_KEY",
    "WATERMARK_KEY",
    "CycleReport",
    "DrainReport",
    "EventRefresh",
    "drain",
    "drain_follow_up",
    "mark_opportunities_dirty",
    "opportunities_of_engagement",
    "refresh_after_event",
    "run_engagement_sync",
]
