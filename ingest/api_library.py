"""Management API for the partner resource library (bearer token, under /api).

- POST   /api/resources                  a file (multipart: `file`, `title`, `category`,
                                          `description`) or a link (JSON with `url`)
- GET    /api/resources                  the library
- GET    /api/resources/{resourceId}     one resource; a file comes with a
                                          short-lived signed download link
- DELETE /api/resources/{resourceId}     remove it (and its file) everywhere
- POST   /api/opportunities/{opportunityId}/library                {"resource_id"}: attach
- DELETE /api/opportunities/{opportunityId}/library/{resourceId}   detach

The Partner Central Selling API has no document upload: files stay in
pcsync's store (a local directory, or S3) and are shared as links. Attaching
or detaching queues `pcsync.mirror_partner_resources`, which shows the
attached resources on the HubSpot deal. Every change is audited.
"""

from __future__ import annotations

import tempfile

from flask import request
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from ingest.api_assignment import linked_opportunity
from ingest.api_common import SECURITY, operator_actor, operator_blueprint, operator_run
from models.resources import LibraryResource, ResourceAttachment
from pcsync import runtime
from pcsync.resource_store import new_key
from workers.dispatch import queue_mirror
from workers.sync.library_views import CATEGORIES, resource_view

blueprint = operator_blueprint(
    "api_library",
    __name__,
    (
        "The partner resource library: case studies, whitepapers, briefs and other documents,"
        " kept by pcsync and shared as links. The Partner Central API accepts no documents, so"
        " files are never sent to AWS."
    ),
)
# Room for the multipart boundaries and the text fields around the file.
FORM_OVERHEAD_BYTES = 64 * 1024
COPY_CHUNK_BYTES = 1024 * 1024


class ResourceFieldsSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=255))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(load_default=None, validate=validate.Length(max=2000))


class LinkResourceSchema(ResourceFieldsSchema):
    url = fields.Url(required=True, schemes={"http", "https"}, validate=validate.Length(max=2048))


class ResourceSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    category = fields.String()
    description = fields.String(allow_none=True)
    url = fields.String(allow_none=True, metadata={"description": "a link resource's URL"})
    filename = fields.String(allow_none=True)
    content_type = fields.String(allow_none=True)
    size_bytes = fields.Integer(allow_none=True)
    created_at = fields.String()
    link = fields.String(metadata={"description": "what the HubSpot deal shows"})
    download_url = fields.String(metadata={"description": "short-lived signed link to the file"})


class AttachSchema(Schema):
    resource_id = fields.Integer(required=True)


class AttachmentSchema(Schema):
    resource_id = fields.Integer()
    opportunity_id = fields.String()
    hubspot_deal_id = fields.String()
    attached = fields.Boolean()


UPLOAD_BODY = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "title", "category"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "title": {"type": "string"},
                    "category": {"type": "string", "enum": list(CATEGORIES)},
                    "description": {"type": "string"},
                },
            }
        },
        "application/json": {"schema": LinkResourceSchema},
    }
}


def _load(schema: Schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        abort(400, message="the resource is invalid", messages={"json": exc.messages})


def _audit(session, action: str, resource_id: int, **details) -> None:
    run = operator_run()
    run.audit(
        session,
        action=action,
        outcome="done",
        object_type="resource",
        object_id=str(resource_id),
        **details,
    )


def _spooled_upload(upload, max_bytes: int):
    """The file's bytes in a temporary file, or 413 past the size limit."""
    spooled = tempfile.SpooledTemporaryFile(max_size=COPY_CHUNK_BYTES)  # noqa: SIM115
    size = 0
    while chunk := upload.stream.read(COPY_CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            spooled.close()
            abort(413, message=f"the file is larger than {max_bytes} bytes")
        spooled.write(chunk)
    spooled.seek(0)
    return spooled, size


def _file_resource(settings) -> LibraryResource:
    # This route alone accepts bodies up to the upload limit (Flask 3.1 per-request limit).
    request.max_content_length = settings.resource_max_bytes + FORM_OVERHEAD_BYTES
    upload = request.files.get("file")
    metadata = _load(ResourceFieldsSchema(), request.form.to_dict())
    if upload is None or not upload.filename:
        abort(400, message="the resource is invalid", messages={"form": {"file": ["required"]}})
    content_type = (upload.mimetype or "").lower()
    if content_type not in settings.resource_content_types:
        abort(
            400,
            message=f"files of type {content_type or 'unknown'} are not accepted",
            messages={"form": {"file": [f"one of {', '.join(settings.resource_content_types)}"]}},
        )
    spooled, size = _spooled_upload(upload, settings.resource_max_bytes)
    key = new_key()
    with spooled:
        runtime.resource_store().put(key, spooled, content_type)
    return LibraryResource(
        **metadata,
        storage_key=key,
        filename=upload.filename[:255],
        content_type=content_type,
        size_bytes=size,
    )


def _find(session, resource_id: int) -> LibraryResource:
    row = session.get(LibraryResource, resource_id)
    if row is None:
        abort(404, message=f"no resource {resource_id}")
    return row


@blueprint.route("/resources", methods=["POST"])
@blueprint.response(201, ResourceSchema)
@blueprint.alt_response(400, description="bad fields or a content type not accepted")
@blueprint.alt_response(413, description="the file is over PCSYNC_RESOURCE_MAX_BYTES")
@blueprint.doc(security=SECURITY, requestBody=UPLOAD_BODY)
def create_resource():
    """Add a file (multipart) or a link (JSON) to the library."""
    settings = runtime.settings()
    if request.mimetype == "multipart/form-data":
        row = _file_resource(settings)
    else:
        row = LibraryResource(**_load(LinkResourceSchema(), request.get_json(silent=True) or {}))
    row.created_by = operator_actor()
    with runtime.database().transaction() as session:
        session.add(row)
        session.flush()
        _audit(session, "resource.create", row.id, diff={"title": row.title, "url": row.url})
        return resource_view(row)


@blueprint.route("/resources")
@blueprint.response(200, ResourceSchema(many=True))
@blueprint.doc(security=SECURITY)
def list_resources():
    """The library, oldest first."""
    with runtime.database().transaction() as session:
        rows = session.scalars(select(LibraryResource).order_by(LibraryResource.id))
        return [resource_view(row) for row in rows]


@blueprint.route("/resources/<int:resourceId>")
@blueprint.response(200, ResourceSchema)
@blueprint.alt_response(404, description="no such resource")
@blueprint.doc(security=SECURITY)
def get_resource(resourceId: int):
    """One resource; a file comes with a download link valid PCSYNC_RESOURCE_LINK_SECONDS."""
    with runtime.database().transaction() as session:
        row = _find(session, resourceId)
        view = resource_view(row)
    if row.storage_key:
        view["download_url"] = runtime.resource_store().download_url(
            row.storage_key, row.filename, runtime.settings().resource_link_seconds
        )
    return view


@blueprint.route("/resources/<int:resourceId>", methods=["DELETE"])
@blueprint.response(204)
@blueprint.alt_response(404, description="no such resource")
@blueprint.doc(security=SECURITY)
def delete_resource(resourceId: int):
    """Remove a resource, detach it from every opportunity and delete its file."""
    with runtime.database().transaction() as session:
        row = _find(session, resourceId)
        deal_ids = session.scalars(
            select(ResourceAttachment.hubspot_deal_id).where(
                ResourceAttachment.resource_id == resourceId
            )
        ).all()
        session.delete(row)  # its attachments go with it (ON DELETE CASCADE)
        _audit(session, "resource.delete", resourceId, diff={"detached_from": list(deal_ids)})
        key = row.storage_key
    if key:
        runtime.resource_store().delete(key)  # after the commit: a rollback keeps the file
    _mirror(deal_ids)


@blueprint.route("/opportunities/<opportunityId>/library", methods=["POST"])
@blueprint.arguments(AttachSchema, error_status_code=400)
@blueprint.response(201, AttachmentSchema)
@blueprint.alt_response(404, description="no such opportunity or resource")
@blueprint.doc(security=SECURITY)
def attach(body: dict, opportunityId: str):
    """Attach a library resource to the opportunity; the deal shows it."""
    return _change_attachment(opportunityId, body["resource_id"], attached=True)


@blueprint.route("/opportunities/<opportunityId>/library/<int:resourceId>", methods=["DELETE"])
@blueprint.response(200, AttachmentSchema)
@blueprint.alt_response(404, description="no such opportunity, resource or attachment")
@blueprint.doc(security=SECURITY)
def detach(opportunityId: str, resourceId: int):
    """Detach a library resource from the opportunity; the deal stops showing it."""
    return _change_attachment(opportunityId, resourceId, attached=False)


def _change_attachment(opportunity_id: str, resource_id: int, attached: bool) -> dict:
    with runtime.database().transaction() as session:
        link = linked_opportunity(session, opportunity_id)
        _find(session, resource_id)
        current = session.get(ResourceAttachment, (resource_id, link.hubspot_deal_id))
        if attached and current is None:
            session.add(
                ResourceAttachment(
                    resource_id=resource_id,
                    hubspot_deal_id=link.hubspot_deal_id,
                    opportunity_id=opportunity_id,
                )
            )
        elif not attached:
            if current is None:
                abort(404, message=f"resource {resource_id} is not attached to {opportunity_id}")
            session.delete(current)
        _audit(
            session,
            "resource.attach" if attached else "resource.detach",
            resource_id,
            opportunity_id=opportunity_id,
            diff={"hubspot_deal_id": link.hubspot_deal_id},
        )
        deal_id = link.hubspot_deal_id
    _mirror([deal_id])
    return {
        "resource_id": resource_id,
        "opportunity_id": opportunity_id,
        "hubspot_deal_id": deal_id,
        "attached": attached,
    }


def _mirror(deal_ids) -> None:
    """Queue the deal mirror after the commit, so the task reads the change.
    Mirroring is idempotent: repeating the request queues it again."""
    with runtime.celery_app().producer_or_acquire() as producer:
        queue_mirror(deal_ids, requested_by=operator_actor(), producer=producer)
