"""An S3-compatible object store (moto's server mode) on loopback, with a fresh bucket per test."""
import uuid

import boto3
from moto.server import ThreadedMotoServer

# moto takes any key; fixed ones here, so boto3 never looks for real credentials on this machine.
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}


class S3Server:
    def __init__(self):
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url, self._client = None, None

    def start(self) -> "S3Server":
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self._client = boto3.session.Session().client("s3", endpoint_url=self.url, **CREDENTIALS)
        return self

    def stop(self) -> None:
        self._server.stop()

    def client(self):
        """A client of the store itself, to see what is stored without going through the app."""
        return self._client

    def create_bucket(self) -> str:
        bucket = f"uploads-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=bucket)
        return bucket

    def settings(self, bucket: str) -> dict:
        """The app's configuration for this bucket, as UPLOAD_STORAGE=s3 and friends would give it."""
        return {
            "UPLOAD_STORAGE": "s3",
            "UPLOAD_S3_BUCKET": bucket,
            "UPLOAD_S3_ENDPOINT_URL": self.url,
            "UPLOAD_S3_PREFIX": "uploads/",
            "UPLOAD_S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "UPLOAD_S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
            "UPLOAD_S3_REGION": CREDENTIALS["region_name"],
        }

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in the bucket, key: content."""
        client = self.client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        keys = [o["Key"] for page in pages for o in page.get("Contents", ())]
        return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}
