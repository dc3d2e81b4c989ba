"""Audio in an S3-compatible object store (AWS S3, MinIO, Ceph), shared by every host.

An upload streams into a multipart upload under a staging key, because the object's own key is
known only once the upload has been checked (``commit``); commit then copies it into place on
the server and removes the staging object. A small upload is sent in one request at commit.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from agent.core.ports import AudioMissing
from integrations.received_bytes import ReceivedBytes

log = logging.getLogger(__name__)

MIN_PART_BYTES = 5 * 1024 * 1024  # S3 refuses smaller parts, except the last one
PARTS_PER_SIZE_STEP = 1000  # S3 allows 10,000 parts: parts grow so a long upload stays under
READ_CHUNK_BYTES = 64 * 1024
STAGING_FOLDER = ".uploads/"
TEMP_PREFIX = "callsight-audio-"
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
GONE_MESSAGE = "the recording is no longer in the audio store"


@dataclass(frozen=True)
class S3Location:
    """A bucket and the key prefix (empty, or ending in ``/``) the recordings go under."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"expected s3://bucket/prefix, got {url!r}")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")


def s3_client(
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> Any:
    """A boto3 S3 client; without keys, boto3's own chain applies (environment, instance role)."""
    # MinIO and Ceph behind a plain host name cannot serve bucket.host (virtual-host) addresses.
    addressing = {"addressing_style": "path"} if endpoint_url else {}
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        config=Config(s3=addressing, retries={"mode": "standard"}),
    )


class S3AudioSink:
    """Sends parts of a multipart upload as they fill, hashing and keeping the head as it goes."""

    def __init__(self, client: Any, location: S3Location, part_bytes: int) -> None:
        self._client = client
        self._bucket = location.bucket
        self._prefix = location.prefix
        self._part_bytes = part_bytes
        self._staging_key = f"{location.prefix}{STAGING_FOLDER}{uuid.uuid4().hex}"
        self._received = ReceivedBytes()
        self._pending = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._staged = False
        self.committed_key: str | None = None

    def write(self, chunk: bytes) -> None:
        self._received.take(chunk)
        self._pending += chunk
        while len(self._pending) >= self._next_part_bytes():
            part_bytes = self._next_part_bytes()
            self._send_part(bytes(self._pending[:part_bytes]))
            del self._pending[:part_bytes]

    @property
    def size(self) -> int:
        return self._received.size

    @property
    def sha256(self) -> str:
        return self._received.sha256

    @property
    def head(self) -> bytes:
        return self._received.head

    def commit(self, key: str) -> None:
        target = self._prefix + key
        if self._upload_id is None:
            self._client.put_object(Bucket=self._bucket, Key=target, Body=bytes(self._pending))
        else:
            self._complete_staging()
            self._copy_staging_to(target)
        self.committed_key = key
        self._remove_staging()

    def discard(self) -> None:
        """Abort the multipart upload, or remove the staging object it became."""
        if self._upload_id is not None and not self._staged:
            self._quietly(self._abort)
        self._remove_staging()

    def _next_part_bytes(self) -> int:
        return self._part_bytes * (1 + len(self._parts) // PARTS_PER_SIZE_STEP)

    def _send_part(self, body: bytes) -> None:
        if self._upload_id is None:
            created = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self._staging_key
            )
            self._upload_id = str(created["UploadId"])
        number = len(self._parts) + 1
        sent = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._staging_key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def _complete_staging(self) -> None:
        if self._pending:
            self._send_part(bytes(self._pending))
            self._pending.clear()
        self._client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._staging_key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        self._staged = True

    def _copy_staging_to(self, target: str) -> None:
        # Copied in parts of the upload's own size, so the object keeps its multipart layout.
        transfer = TransferConfig(
            multipart_threshold=self._part_bytes, multipart_chunksize=self._part_bytes
        )
        source = {"Bucket": self._bucket, "Key": self._staging_key}
        self._client.copy(source, self._bucket, target, Config=transfer)

    def _abort(self) -> None:
        self._client.abort_multipart_upload(
            Bucket=self._bucket, Key=self._staging_key, UploadId=self._upload_id
        )

    def _remove_staging(self) -> None:
        if self._staged:
            self._quietly(
                lambda: self._client.delete_object(Bucket=self._bucket, Key=self._staging_key)
            )
            self._staged = False

    def _quietly(self, cleanup: Callable[[], object]) -> None:
        try:
            cleanup()
        except (BotoCoreError, ClientError):
            # Raising would hide the upload's own outcome; the bucket's lifecycle rules (see
            # docs/storage.md) clear what is left under the staging folder.
            log.warning("could not clean up the upload %s", self._staging_key, exc_info=True)


class S3AudioStore:
    """Recordings as objects under ``location``; ``local_copy`` downloads to a temporary file."""

    def __init__(
        self,
        client: Any,
        location: S3Location,
        *,
        part_bytes: int = MIN_PART_BYTES,
        temp_dir: Path | None = None,
        list_page_size: int = 1000,
    ) -> None:
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"S3 parts must be at least {MIN_PART_BYTES} bytes")
        self._client = client
        self._location = location
        self._part_bytes = part_bytes
        self._temp_dir = temp_dir
        self._list_page_size = list_page_size

    @contextmanager
    def open_sink(self) -> Iterator[S3AudioSink]:
        sink = S3AudioSink(self._client, self._location, self._part_bytes)
        try:
            yield sink
        finally:
            if sink.committed_key is None:
                sink.discard()

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        handle, name = tempfile.mkstemp(
            prefix=TEMP_PREFIX, suffix=PurePosixPath(key).suffix, dir=self._temp_dir
        )
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as target:
                self._download(key, target)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def size(self, key: str) -> int | None:
        try:
            head = self._client.head_object(Bucket=self._location.bucket, Key=self._object(key))
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        return int(head["ContentLength"])

    def open_range(self, key: str, first: int, last: int) -> Iterator[bytes]:
        try:
            reply = self._client.get_object(
                Bucket=self._location.bucket, Key=self._object(key), Range=f"bytes={first}-{last}"
            )
        except ClientError as error:
            if _is_missing(error):
                raise AudioMissing(GONE_MESSAGE) from error
            raise
        return _chunks(reply["Body"])

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._location.bucket, Key=self._object(key))

    def keys(self) -> Iterator[str]:
        prefix = self._location.prefix
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._location.bucket,
            Prefix=prefix,
            PaginationConfig={"PageSize": self._list_page_size},
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])[len(prefix) :]
                if not key.startswith(STAGING_FOLDER):
                    yield key

    def _object(self, key: str) -> str:
        return self._location.prefix + key

    def _download(self, key: str, target: BinaryIO) -> None:
        try:
            self._client.download_fileobj(self._location.bucket, self._object(key), target)
        except ClientError as error:
            if _is_missing(error):
                raise AudioMissing(GONE_MESSAGE) from error
            raise


def _is_missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in MISSING_CODES


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(READ_CHUNK_BYTES)
    finally:
        body.close()
