"""Downloads of files the local resource store keeps (`/files/<key>`).

No bearer token: the link itself is the permission. The management API
hands out links signed with the store's key and valid for
PCSYNC_RESOURCE_LINK_SECONDS; anything else is 403. With the S3 store,
links are S3 presigned URLs and this route has nothing to serve.
"""

from __future__ import annotations

from flask import Blueprint, abort, request, send_file

from pcsync import runtime
from pcsync.resource_store import LocalStore

blueprint = Blueprint("files", __name__, url_prefix="/files")


@blueprint.get("/<key>")
def download(key: str):
    store = runtime.resource_store()
    if not isinstance(store, LocalStore):
        abort(404)
    expires, signature = request.args.get("expires", ""), request.args.get("signature", "")
    if not store.verify(key, expires, signature):
        abort(403, description="the download link is invalid or has expired")
    path = store.path(key)
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=request.args.get("name") or key)
