"""The `s3` backend: objects in an S3-compatible bucket (AWS S3, MinIO, Ceph…) under UPLOAD_S3_PREFIX.

A PUT is all or nothing (an object appears only once all of it arrived), and every PUT is
conditional (If-None-Match: *), so the store itself refuses to replace an object, even one another
host stored a moment ago under the same name: this upload then takes the next free name.
"""
import errno
import mimetypes
import os
import threading
from contextlib import contextmanager

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as NoConnection
from flask import Response

from .storage import StorageFull, StorageUnavailable, candidate_names

# 412: the key exists. 409: another conditional write of the same key is in flight (AWS).
TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}
MISSING = {"NoSuchKey", "404", "NotFound"}
# What stores say when a disk, a quota or a bucket quota is full (MinIO, Ceph, generic 507).
NO_SPACE = {"XMinioStorageFull", "XMinioAdminBucketQuotaExceeded", "InsufficientStorage", "QuotaExceeded"}
CHUNK = 64 * 1024
# More than the threads of any one app process (mod_wsgi runs 15), so no thread waits for, or
# throws away, a pooled connection.
POOL_CONNECTIONS = 32
# One session for every app this process creates: a new one reads botocore's service models again
# (a fifth of a second each). Sessions are not thread-safe, so clients are made under a lock.
SESSION, SESSION_LOCK = boto3.session.Session(), threading.Lock()


class S3Bucket:
    def __init__(self, client, bucket: str, prefix: str):
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.where = f"s3://{bucket}/{prefix}"

    @classmethod
    def from_config(cls, config: dict) -> "S3Bucket":
        bucket = config["UPLOAD_S3_BUCKET"]
        if not bucket:
            raise SystemExit("UPLOAD_STORAGE=s3 needs UPLOAD_S3_BUCKET: the bucket every app host keeps uploads in"
                             " (and UPLOAD_S3_ENDPOINT_URL for a store other than AWS S3 itself)")
        endpoint, timeout = config["UPLOAD_S3_ENDPOINT_URL"], config["UPLOAD_S3_TIMEOUT"]
        options = dict(
            # Every wait bounded: a stalled store costs a request at most attempts × timeout, then a
            # 503, and never holds a worker until the app server kills it.
            connect_timeout=timeout, read_timeout=timeout,
            retries={"mode": "standard", "total_max_attempts": config["UPLOAD_S3_ATTEMPTS"]},
            max_pool_connections=POOL_CONNECTIONS,
        )
        if endpoint:
            # Other stores: path-style URLs need no DNS name per bucket, and checksums only where the
            # API requires them (stores older than botocore 1.36's default CRC32 refuse them).
            options.update(s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                           response_checksum_validation="when_required")
        # None leaves credentials and region to boto3's own chain (~/.aws, an instance or pod role).
        with SESSION_LOCK:
            client = SESSION.client(
                "s3", endpoint_url=endpoint or None, region_name=config["UPLOAD_S3_REGION"],
                aws_access_key_id=config["UPLOAD_S3_ACCESS_KEY_ID"], aws_secret_access_key=config["UPLOAD_S3_SECRET_ACCESS_KEY"],
                config=Config(**options),
            )
        folder = config["UPLOAD_S3_PREFIX"].strip("/")  # "uploads" and "uploads/" name the same place
        return cls(client, bucket, f"{folder}/" if folder else "")

    def save(self, file_storage, name: str) -> str:
        stream = file_storage.stream
        start = stream.tell()
        taken = self._names_starting(os.path.splitext(name)[0])  # one listing rather than a failed PUT per clash
        for candidate in candidate_names(name):
            if candidate in taken:
                continue
            stream.seek(start)  # a PUT refused as taken may have read some of it
            if self._put_new(candidate, stream):
                return candidate

    def stored_files(self) -> list[dict]:
        return sorted(({"name": name, "size": size} for name, size in self._objects("")), key=lambda f: f["name"])

    def send(self, name: str) -> Response | None:
        with self._answers():
            try:
                stored = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
            except ClientError as error:
                if _code(error) in MISSING:
                    return None
                raise
        body = stored["Body"]
        # Streamed, never read whole into memory. A store that stalls mid-body ends the download
        # after the read timeout (the answer has begun, so there is no 503 to give any more).
        response = Response(body.iter_chunks(CHUNK), mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream",
                            direct_passthrough=True)
        response.content_length = stored["ContentLength"]
        response.last_modified = stored.get("LastModified")
        response.headers.set("Content-Disposition", "attachment", filename=name)
        response.call_on_close(body.close)
        return response

    def _put_new(self, name: str, stream) -> bool:
        """Store under `name` unless an object of that name exists: False then, and nothing changed."""
        try:
            with self._answers():
                self.client.put_object(
                    Bucket=self.bucket, Key=self.prefix + name, Body=stream, IfNoneMatch="*",
                    ContentType=mimetypes.guess_type(name)[0] or "application/octet-stream",
                    # Should the bucket ever be served directly (a CDN, a presigned link), still a download.
                    ContentDisposition="attachment",
                )
            return True
        except ClientError as error:
            if _code(error) in TAKEN:
                return False
            raise

    def _names_starting(self, start: str) -> set[str]:
        return {name for name, _ in self._objects(start)}

    def _objects(self, start: str):
        """(name, size) of every object whose name begins with `start`; keys deeper than the prefix
        (name with a '/') are not uploads of this app."""
        with self._answers():
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + start)
            objects = [o for page in pages for o in page.get("Contents", ())]
        names = ((o["Key"][len(self.prefix):], o["Size"]) for o in objects)
        return [(name, size) for name, size in names if name and "/" not in name]

    @contextmanager
    def _answers(self):
        """The store's failures as the interface names them; any other refusal is the app's error (500)."""
        try:
            yield
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if _code(error) in NO_SPACE or status == 507:
                raise StorageFull(errno.ENOSPC, f"{self.where}: {_code(error)}") from error
            if status >= 500 or _code(error) == "SlowDown":  # still failing after the retries
                raise StorageUnavailable(f"{self.where}: {_code(error)}") from error
            raise
        except (NoConnection, HTTPClientError) as error:  # no connection, a timeout, a connection cut mid-answer
            raise StorageUnavailable(f"{self.where}: {error}") from error


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
