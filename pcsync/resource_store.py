"""Where the partner resource library keeps uploaded files.

Two stores with one interface (`put`, `delete`, `download_url`):
- `LocalStore`: a directory under the data dir (the default). Its download
  links point at pcsync's own `/files/<key>` route and carry an HMAC of the
  key and expiry time, signed with a key kept beside the files.
- `S3Store`: a bucket, through boto3; download links are S3 presigned URLs.
  `endpoint_url` points it at any S3-compatible server.

Files stay here: nothing in the Partner Central API accepts documents.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import shutil
import time
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote, urlencode

from pcsync.config import Settings

SIGNING_KEY_FILE = ".signing-key"


class ResourceStore(Protocol):
    def put(self, key: str, stream: BinaryIO, content_type: str) -> None: ...
    def delete(self, key: str) -> None: ...
    def download_url(self, key: str, filename: str, expires_in: int) -> str: ...


class LocalStore:
    def __init__(self, root: Path, public_url: str, clock=time.time):
        self.root = root
        self.public_url = public_url
        self.clock = clock

    def path(self, key: str) -> Path:
        return self.root / Path(key).name  # keys are pcsync's own; never a path

    def put(self, key: str, stream: BinaryIO, content_type: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.path(key), "wb") as target:
            shutil.copyfileobj(stream, target)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def _signing_key(self) -> bytes:
        path = self.root / SIGNING_KEY_FILE
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            path.write_bytes(secrets.token_bytes(32))
        return path.read_bytes()

    def _signature(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self._signing_key(), message, hashlib.sha256).hexdigest()

    def download_url(self, key: str, filename: str, expires_in: int) -> str:
        expires = int(self.clock()) + expires_in
        query = urlencode(
            {"expires": expires, "name": filename, "signature": self._signature(key, expires)}
        )
        return f"{self.public_url}/files/{quote(key)}?{query}"

    def verify(self, key: str, expires: str, signature: str) -> bool:
        """A link is good until it expires, and only as signed."""
        if not expires.isdigit() or int(expires) < self.clock():
            return False
        return hmac.compare_digest(self._signature(key, int(expires)), signature)


class S3Store:
    def __init__(self, bucket: str, endpoint_url: str | None = None, client=None):
        self.bucket = bucket
        self.client = client or _s3_client(endpoint_url)

    def put(self, key: str, stream: BinaryIO, content_type: str) -> None:
        self.client.upload_fileobj(
            stream, self.bucket, key, ExtraArgs={"ContentType": content_type}
        )

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def download_url(self, key: str, filename: str, expires_in: int) -> str:
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            },
            ExpiresIn=expires_in,
        )


def _s3_client(endpoint_url: str | None):
    # boto3 (and botocore) only in a process that uses a bucket: the ingest
    # imports this module for the local store, and boto3 costs it ~15 MB.
    import boto3

    return boto3.client("s3", endpoint_url=endpoint_url)


def open_store(settings: Settings) -> ResourceStore:
    if settings.resource_store == "s3":
        return S3Store(settings.resource_bucket, settings.resource_s3_endpoint_url)
    return LocalStore(settings.data_dir / "resources", settings.public_url)


def new_key() -> str:
    return secrets.token_hex(16)
