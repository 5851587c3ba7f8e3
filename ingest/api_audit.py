"""Management API for auditors (bearer token, under /api).

- GET /api/audit                  audit rows, newest first, paged and filtered
- GET /api/audit/verify           the hash chain's verification
- GET /api/reports/compliance     the compliance report, JSON or CSV
"""

from __future__ import annotations

import csv
import io

from flask import Response
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from ingest.api_common import SECURITY, operator_blueprint
from ingest.paging import PageArgs, page_fields, page_of
from models.audit import AuditEntry
from models.audit_chain import verify_chain
from models.audit_query import COLUMNS, AuditFilter, row_dict
from models.compliance import compliance_report, report_csv_rows
from pcsync import runtime

blueprint = operator_blueprint(
    "api_audit", __name__, "Audit trail, its verification and the compliance report (bearer token)"
)


class PeriodArgs(Schema):
    start = fields.AwareDateTime(
        data_key="from",
        load_default=None,
        metadata={"description": "inclusive, ISO 8601 with a timezone"},
    )
    end = fields.AwareDateTime(
        data_key="to", load_default=None, metadata={"description": "exclusive, ISO 8601"}
    )

    @validates_schema
    def ordered(self, data, **_kwargs):
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            raise ValidationError("from must be before to", "from")


class AuditListArgs(PageArgs, PeriodArgs):
    opportunity_id = fields.String(load_default=None)
    deal_id = fields.String(load_default=None)
    action = fields.String(load_default=None, metadata={"description": "e.g. opportunity.sync"})
    outcome = fields.String(load_default=None, metadata={"description": "e.g. updated"})


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.String()
    action = fields.String()
    outcome = fields.String()
    source = fields.String()
    actor = fields.String()
    task_id = fields.String(allow_none=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    opportunity_id = fields.String(allow_none=True)
    diff = fields.Raw(allow_none=True)
    message = fields.String(allow_none=True)
    prev_hash = fields.String(allow_none=True)
    row_hash = fields.String(allow_none=True)


AuditPageSchema = Schema.from_dict(page_fields(AuditEntrySchema), name="AuditPage")


class VerificationSchema(Schema):
    ok = fields.Boolean()
    checked = fields.Integer(metadata={"description": "chained rows walked"})
    unchained = fields.Integer(metadata={"description": "rows written before the chain existed"})
    first_bad_id = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)


class ReportArgs(PeriodArgs):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


def audit_filter(args: dict) -> AuditFilter:
    names = ("start", "end", "opportunity_id", "deal_id", "action", "outcome")
    return AuditFilter(**{name: args.get(name) for name in names})


@blueprint.route("/audit")
@blueprint.arguments(AuditListArgs, location="query", error_status_code=400)
@blueprint.response(200, AuditPageSchema)
@blueprint.doc(security=SECURITY)
def list_audit(args):
    """Audit rows, newest first, by period, opportunity, deal, action, outcome."""
    statement = audit_filter(args).apply(select(*COLUMNS)).order_by(AuditEntry.id.desc())
    with runtime.database().transaction() as session:
        return page_of(session, statement, args, row_dict)


@blueprint.route("/audit/verify")
@blueprint.response(200, VerificationSchema)
@blueprint.doc(security=SECURITY)
def verify():
    """Walk the hash chain; names the first row that breaks it."""
    with runtime.database().transaction() as session:
        return verify_chain(session).as_dict()


@blueprint.route("/reports/compliance")
@blueprint.arguments(ReportArgs, location="query", error_status_code=400)
@blueprint.response(200)
@blueprint.doc(security=SECURITY)
def compliance(args):
    """Writes, failures, conflicts, deferrals and quota per day and in total,
    counted from the audit rows, with the chain's verification."""
    with runtime.database().transaction() as session:
        report = compliance_report(session, args.get("start"), args.get("end"))
    if args["format"] == "json":
        return report
    text = io.StringIO()
    csv.writer(text).writerows(report_csv_rows(report))
    return Response(text.getvalue(), mimetype="text/csv")
