"""moto's S3-compatible server in a child process on a free loopback port, for the store's tests.

The store talks to it over HTTP exactly as it talks to AWS S3 or MinIO; nothing in our code is
replaced. Each test gets a bucket of its own, so the server is started once per run.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import requests

ACCESS_KEY_ID = "callsight-test"
SECRET_ACCESS_KEY = "callsight-test-secret"
REGION = "us-east-1"


class S3Server:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._client: Any = None

    def start(self) -> S3Server:
        executable = shutil.which("moto_server", path=str(Path(sys.executable).parent))
        command = [executable] if executable else [sys.executable, "-m", "moto.server"]
        self._process = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_up()
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def client(self) -> Any:
        """A client of the tests' own, to look into buckets behind the store's back."""
        if self._client is None:
            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.url,
                region_name=REGION,
                aws_access_key_id=ACCESS_KEY_ID,
                aws_secret_access_key=SECRET_ACCESS_KEY,
            )
        return self._client

    def new_bucket(self) -> str:
        name = f"calls-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{self.url}/moto-api/", timeout=1)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline or self._exited():
                    raise RuntimeError(f"moto's S3 server did not start on {self.url}") from None
                time.sleep(0.05)

    def _exited(self) -> bool:
        return self._process is None or self._process.poll() is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def objects(client: Any, bucket: str) -> dict[str, dict[str, Any]]:
    """Every object in ``bucket`` by key, as ListObjectsV2 describes it."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"]: item for page in pages for item in page.get("Contents", [])}


def open_multipart_uploads(client: Any, bucket: str) -> list[str]:
    """The keys of multipart uploads begun in ``bucket`` and neither completed nor aborted."""
    return [
        upload["Key"] for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    ]
