"""Trino's server from Maven Central, checked and cached outside the clone.

Trino 476 is the last release on Maven Central as a core tarball plus one zip per
plugin (later releases publish only the whole server, over 2 GB). The warehouse
needs the core and two plugins, Hive (the lake's NDJSON) and Iceberg (everything
dbt builds): about 800 MB to download, fetched by Maven (``dependency:get`` with
``--strict-checksums``, so each file is checked against Central's ``.sha1``),
checked again against the SHA-256 sums in ``checksums.sha256`` (the exact bytes
this project was tested with), then unpacked and the archives deleted.

Everything lives under one folder, ``SAGE_TRINO_HOME`` (default
``~/.cache/innerverse/trino-476``): Maven's repository for the download, and the
unpacked server. A finished installation is marked by ``server/installed.json``;
later runs find it and download nothing. A failed one leaves its reason in
``install-failed.txt``, which the test suite prints when it cannot run Trino.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

TRINO_VERSION = "476"
JAVA_FEATURE_MIN = 24  # Trino 476 refuses older Java
HOME_ENV = "SAGE_TRINO_HOME"
JAVA_HOME_ENV = "SAGE_TRINO_JAVA_HOME"
CHECKSUMS = Path(__file__).with_name("checksums.sha256")
_GROUP = "io.trino"


class TrinoUnavailable(RuntimeError):
    """Trino cannot run on this machine; the message says why and what to do."""


@dataclass(frozen=True)
class Artifact:
    artifact_id: str
    packaging: str
    plugin: str | None  # the plugin folder a connector unpacks to; None for the core

    @property
    def coordinates(self) -> str:
        return f"{_GROUP}:{self.artifact_id}:{TRINO_VERSION}:{self.packaging}"

    @property
    def file_name(self) -> str:
        return f"{self.artifact_id}-{TRINO_VERSION}.{self.packaging}"

    def path_in(self, repository: Path) -> Path:
        return (
            repository
            / _GROUP.replace(".", "/")
            / self.artifact_id
            / TRINO_VERSION
            / (self.file_name)
        )


ARTIFACTS = (
    Artifact("trino-server-core", "tar.gz", None),
    Artifact("trino-hive", "zip", "hive"),
    Artifact("trino-iceberg", "zip", "iceberg"),
)


@dataclass(frozen=True)
class Installation:
    server: Path  # lib/, plugin/hive, plugin/iceberg
    java: Path

    @property
    def classpath(self) -> str:
        return str(self.server / "lib" / "*")

    @property
    def plugins(self) -> Path:
        return self.server / "plugin"


def trino_home() -> Path:
    configured = os.environ.get(HOME_ENV)
    if configured:
        return Path(configured).expanduser().absolute()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "innerverse" / f"trino-{TRINO_VERSION}"


def installed(home: Path | None = None) -> Installation:
    """The cached installation, or TrinoUnavailable saying why there is none."""
    home = home or trino_home()
    server = home / "server"
    if not _is_complete(server):
        failure = home / "install-failed.txt"
        if failure.exists():
            raise TrinoUnavailable(failure.read_text().strip())
        raise TrinoUnavailable(
            f"Trino {TRINO_VERSION} is not installed in {home} ({HOME_ENV}): "
            "run `make trino` (or `sage trino install`) to download it"
        )
    return Installation(server, find_java())


def install(home: Path | None = None, log: Callable[[str], None] = print) -> Installation:
    """Download, check and unpack Trino into ``home`` unless it is there already."""
    home = home or trino_home()
    home.mkdir(parents=True, exist_ok=True)
    failure = home / "install-failed.txt"
    with _locked(home / ".lock"):
        server = home / "server"
        if _is_complete(server):
            failure.unlink(missing_ok=True)
            return Installation(server, find_java())
        try:
            java = find_java()
            _download_and_unpack(home, server, log)
        except TrinoUnavailable as exc:
            failure.write_text(f"{exc}\n")
            raise
        failure.unlink(missing_ok=True)
        return Installation(server, java)


def find_java() -> Path:
    """A Java runtime Trino accepts: SAGE_TRINO_JAVA_HOME, JAVA_HOME, or an installed JDK."""
    candidates: list[Path] = []
    for variable in (JAVA_HOME_ENV, "JAVA_HOME"):
        if os.environ.get(variable):
            candidates.append(Path(os.environ[variable]))
    # CI images name one variable per installed JDK (JAVA_HOME_25_X64 on GitHub's runners).
    for variable, value in sorted(os.environ.items()):
        if re.fullmatch(r"JAVA_HOME_\d+_\w+", variable):
            candidates.append(Path(value))
    for folder in (Path("/usr/lib/jvm"), Path("/opt/java"), Path("/usr/local/lib/jvm")):
        if folder.is_dir():
            candidates += sorted(folder.iterdir(), reverse=True)
    seen = []
    for home in candidates:
        java = home / "bin" / "java"
        feature = _java_feature(home)
        seen.append(f"{home} ({'Java ' + str(feature) if feature else 'no Java'})")
        if feature and feature >= JAVA_FEATURE_MIN and java.exists():
            return java
    looked = "; ".join(seen) or "nothing found"
    raise TrinoUnavailable(
        f"Trino {TRINO_VERSION} needs Java {JAVA_FEATURE_MIN} or later; set {JAVA_HOME_ENV} "
        f"to a JDK's folder. Looked at: {looked}"
    )


def _java_feature(home: Path) -> int | None:
    """The feature release of the JDK in ``home`` (25 for 25.0.3), from its release file."""
    with contextlib.suppress(OSError):
        text = (home / "release").read_text()
        match = re.search(r'^JAVA_VERSION="(\d+)', text, re.MULTILINE)
        if match:
            return int(match.group(1))
    return None


def _is_complete(server: Path) -> bool:
    marker = server / "installed.json"
    if not marker.exists():
        return False
    with contextlib.suppress(ValueError, OSError):
        recorded = json.loads(marker.read_text())
        return recorded.get("sha256") == expected_checksums() and (server / "lib").is_dir()
    return False


def expected_checksums() -> dict[str, str]:
    sums = {}
    for line in CHECKSUMS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split()
            sums[name] = digest
    missing = {artifact.file_name for artifact in ARTIFACTS} - set(sums)
    if missing:
        raise TrinoUnavailable(f"{CHECKSUMS} has no checksum for {', '.join(sorted(missing))}")
    return sums


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installation at a time per home (two test runs may start together)."""
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _download_and_unpack(home: Path, server: Path, log: Callable[[str], None]) -> None:
    maven = shutil.which("mvn")
    if maven is None:
        raise TrinoUnavailable(
            f"Maven (mvn) is not installed: it downloads Trino {TRINO_VERSION} from Maven "
            "Central (apt-get install maven, or https://maven.apache.org)"
        )
    sums = expected_checksums()
    repository = home / "maven"
    log(f"downloading Trino {TRINO_VERSION} from Maven Central into {home} (about 800 MB)")
    started = time.monotonic()
    downloaded = 0
    for artifact in ARTIFACTS:
        path = artifact.path_in(repository)
        if not path.exists():
            _maven_get(maven, repository, artifact)
        _verify(path, sums[artifact.file_name])
        downloaded += path.stat().st_size
    fetched = time.monotonic() - started
    log(f"  downloaded and checked {downloaded / 1e6:,.0f} MB in {fetched:.0f} s")

    started = time.monotonic()
    partial = home / "server.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(server, ignore_errors=True)
    for artifact in ARTIFACTS:
        _unpack(artifact, artifact.path_in(repository), partial)
    (partial / "installed.json").write_text(
        json.dumps({"version": TRINO_VERSION, "sha256": sums}, indent=2) + "\n"
    )
    partial.rename(server)
    # The archives are not needed once unpacked: the marker stands for them.
    for artifact in ARTIFACTS:
        artifact.path_in(repository).unlink(missing_ok=True)
    log(f"  unpacked in {time.monotonic() - started:.0f} s into {server}")


def _maven_get(maven: str, repository: Path, artifact: Artifact) -> None:
    command = [
        maven, "--batch-mode", "--quiet", "--strict-checksums",
        f"-Dmaven.repo.local={repository}",
        "dependency:get", f"-Dartifact={artifact.coordinates}", "-Dtransitive=false",
    ]  # fmt: skip
    # Maven runs on any Java; a JAVA_HOME meant for Trino is fine for it too.
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not artifact.path_in(repository).exists():
        output = (result.stdout + result.stderr).strip().splitlines()
        detail = "\n".join(output[-15:]) or f"exit status {result.returncode}"
        raise TrinoUnavailable(
            f"Maven could not download {artifact.coordinates} from Maven Central:\n{detail}"
        )


def _verify(path: Path, expected: str) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        path.unlink()
        raise TrinoUnavailable(
            f"{path.name} has SHA-256 {digest.hexdigest()}, not {expected} as "
            f"{CHECKSUMS.name} records: the download was deleted; run again"
        )


def _unpack(artifact: Artifact, archive: Path, server: Path) -> None:
    """The core's lib/ and secrets-plugin/, or a connector's jars into plugin/<name>/.

    The core's own plugins (geospatial, Python functions, exchange managers...) are
    left out: Trino loads every plugin it finds at start-up, and the warehouse needs
    none of them.
    """
    if artifact.plugin is None:
        top = f"trino-server-core-{TRINO_VERSION}/"
        keep = ("lib/", "secrets-plugin/", "NOTICE")
        with tarfile.open(archive, "r:gz") as tar:
            members = []
            for member in tar.getmembers():
                relative = member.name.removeprefix(top)
                if member.name.startswith(top) and relative.startswith(keep):
                    member.name = relative
                    members.append(member)
            tar.extractall(server, members=members, filter="data")
        return
    target = server / "plugin" / artifact.plugin
    target.mkdir(parents=True, exist_ok=True)
    top = f"{artifact.artifact_id}-{TRINO_VERSION}/"
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            name = info.filename.removeprefix(top)
            if not info.filename.startswith(top) or not name or info.is_dir() or "/" in name:
                continue
            with zipped.open(info) as source, (target / name).open("wb") as destination:
                shutil.copyfileobj(source, destination, 1 << 20)
