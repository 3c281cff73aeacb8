"""The lake: a local folder or an S3 prefix, behind one small interface.

All object-store I/O of the project goes through :func:`open_lake`, so the
ingest, retention, erasure and partner code never care where the lake is.
A write is whole or absent: locally a temporary file is renamed into place,
on S3 a single ``PutObject`` is atomic. :meth:`Lake.create_bytes` is the same
write made exclusive (it fails if the key exists), for writers that must never
overwrite one another, such as the audit log.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

S3_SCHEME = "s3://"


def is_s3(location: str | os.PathLike[str]) -> bool:
    """Whether a location (a lake, a file, a head) is on S3 rather than on this machine."""
    return os.fspath(location).startswith(S3_SCHEME)


class LakeError(Exception):
    """An object-store operation failed; the message names the key."""


class ObjectExists(LakeError):
    """An exclusive create found the key already there."""


@dataclass(frozen=True)
class LakeObject:
    key: str  # relative to the lake root, always with forward slashes
    size: int


class Lake(Protocol):
    url: str

    def write_bytes(self, key: str, data: bytes) -> None: ...

    def create_bytes(self, key: str, data: bytes) -> None:
        """Write ``key`` whole, only if it does not exist yet; ObjectExists if it does."""
        ...

    def read_bytes(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[LakeObject]: ...

    def delete(self, keys: Sequence[str]) -> int: ...

    def uri(self, key: str) -> str: ...


class LocalLake:
    """A lake in a local folder (the default, ``./lake``)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).absolute()
        self.url = str(self.root)
        # Folders already checked and created by write_bytes: an ingest writes
        # thousands of objects into a few hundred folders, and resolving every
        # path again costs a system call per path component.
        self._folders: dict[str, str] = {}

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents and path != self.root.resolve():
            raise LakeError(f"key {key!r} points outside the lake {self.root}")
        return path

    def _folder(self, folder: str) -> str:
        known = self._folders.get(folder)
        if known is None:
            path = self._path(folder) if folder else self.root.resolve()
            path.mkdir(parents=True, exist_ok=True)
            known = self._folders[folder] = str(path)
        return known

    def write_bytes(self, key: str, data: bytes) -> None:
        folder, _, name = key.rpartition("/")
        if name in ("", ".", ".."):
            raise LakeError(f"key {key!r} does not name an object")
        parent = self._folder(folder)
        # Write next to the target and rename: readers never see half a file.
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=parent)
        except FileNotFoundError:  # the folder was removed since: make it again
            self._folders.pop(folder, None)
            parent = self._folder(folder)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, os.path.join(parent, name))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def create_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole beside the target, then hard-linked into place: link() fails
        # if the name exists, so the create is atomic and exclusive.
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.link(tmp, path)
        except FileExistsError:
            raise ObjectExists(f"object {key!r} already exists in lake {self.url}") from None
        finally:
            Path(tmp).unlink(missing_ok=True)

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise LakeError(f"no object {key!r} in lake {self.url}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[LakeObject]:
        base = self.root / prefix
        start = base if base.is_dir() else base.parent
        if not start.exists() or not start.is_relative_to(self.root):
            return  # an empty lake, not even created yet: nothing to list
        # Plain strings, not Path objects: a lake holds tens of thousands of small
        # objects, and building paths for each cost more than listing them.
        cut = len(str(self.root)) + 1
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames.sort()
            folder = dirpath[cut:].replace(os.sep, "/")
            for name in sorted(filenames):
                if name.startswith(".tmp-"):
                    continue
                key = f"{folder}/{name}" if folder else name
                if key.startswith(prefix):
                    size = os.stat(os.path.join(dirpath, name)).st_size
                    yield LakeObject(key=key, size=size)

    def delete(self, keys: Sequence[str]) -> int:
        removed = 0
        self._folders.clear()  # emptied folders are removed below
        for key in keys:
            path = self._path(key)
            if path.is_file():
                path.unlink()
                removed += 1
                _prune_empty_dirs(path.parent, self.root)
        return removed

    def uri(self, key: str) -> str:
        return str(self.root / key)


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    while directory != stop and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


class S3Lake:
    """A lake under ``s3://bucket/prefix``.

    Credentials, region and endpoint come from the standard AWS environment
    (``AWS_ACCESS_KEY_ID``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``...); nothing
    is configured here.
    """

    def __init__(self, url: str, client: Any = None):
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise LakeError(f"not an S3 lake URL: {url!r} (expected s3://bucket/prefix)")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.url = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        if client is None:
            import boto3
            from botocore.config import Config

            # SigV4 everywhere, presigned URLs included (their expiry is then capped at 7 days).
            client = boto3.client("s3", config=Config(signature_version="s3v4"))
        self.client = client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def write_bytes(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except Exception as exc:  # botocore raises many types; name the key
            raise LakeError(f"could not write s3://{self.bucket}/{self._key(key)}: {exc}") from exc

    def create_bytes(self, key: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                IfNoneMatch="*",  # S3 conditional write: fails if the key exists
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("PreconditionFailed", "ConditionalRequestConflict", "412"):
                raise ObjectExists(f"object {self.uri(key)} already exists") from None
            raise LakeError(f"could not write {self.uri(key)}: {exc}") from exc

    def read_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise LakeError(f"could not read s3://{self.bucket}/{self._key(key)}: {exc}") from exc
        data: bytes = response["Body"].read()
        return data

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[LakeObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        strip = len(self.prefix) + 1 if self.prefix else 0
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            for item in page.get("Contents", []):
                yield LakeObject(key=item["Key"][strip:], size=item["Size"])

    def delete(self, keys: Sequence[str]) -> int:
        removed = 0
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
            batch = [{"Key": self._key(key)} for key in keys[start : start + 1000]]
            response = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch, "Quiet": False}
            )
            if response.get("Errors"):
                first = response["Errors"][0]
                raise LakeError(
                    f"could not delete s3://{self.bucket}/{first['Key']}: {first.get('Message')}"
                )
            removed += len(response.get("Deleted", []))
        return removed

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def presigned_get(self, key: str, expires_in: int) -> str:
        """A URL that downloads the object with a plain HTTP GET, until it expires."""
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(key)},
            ExpiresIn=expires_in,
        )
        return url


def open_lake(url: str | os.PathLike[str]) -> Lake:
    """A lake from a URL: ``s3://bucket/prefix`` selects S3, anything else is a folder."""
    text = os.fspath(url)
    if is_s3(text):
        return S3Lake(text)
    return LocalLake(text)
