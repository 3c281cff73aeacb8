"""Trino's installation says why it cannot run, and never runs on unchecked bytes.

(The download itself, about 800 MB, is exercised by `make test`, which fills the
cache the tests in tests/trino/ start Trino from.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sage.trino_server.install import (
    ARTIFACTS,
    JAVA_HOME_ENV,
    TrinoUnavailable,
    find_java,
    install,
    installed,
)


def test_a_download_with_the_wrong_checksum_is_deleted_and_the_reason_kept(tmp_path, monkeypatch):
    if shutil.which("mvn") is None:
        pytest.skip("no Maven on this machine: the installation stops before any download")
    core = ARTIFACTS[0].path_in(tmp_path / "maven")
    core.parent.mkdir(parents=True)
    core.write_bytes(b"not the Trino server")  # as if a download had been corrupted
    with pytest.raises(TrinoUnavailable, match="SHA-256") as raised:
        install(tmp_path, log=lambda _: None)
    assert not core.exists()
    assert not (tmp_path / "server").exists()
    # what the test suite reports when it cannot start Trino
    with pytest.raises(TrinoUnavailable) as reported:
        installed(tmp_path)
    assert str(reported.value) == str(raised.value)


def test_a_cache_never_filled_says_how_to_fill_it(tmp_path):
    with pytest.raises(TrinoUnavailable, match="make trino"):
        installed(tmp_path)


def test_java_older_than_24_is_not_taken(tmp_path, monkeypatch):
    old_jdk = tmp_path / "jdk-17"
    (old_jdk / "bin").mkdir(parents=True)
    (old_jdk / "bin" / "java").write_text("")
    (old_jdk / "release").write_text('JAVA_VERSION="17.0.15"\n')
    monkeypatch.setenv(JAVA_HOME_ENV, str(old_jdk))
    try:
        java = find_java()
    except TrinoUnavailable as exc:  # no newer JDK on this machine either
        assert f"{old_jdk} (Java 17)" in str(exc)
    else:
        assert Path(java).parent.parent != old_jdk
