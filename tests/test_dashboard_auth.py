"""Who may see /sage: the password hash, Basic credentials, the allow-list, the
brake on guessing, and `sage serve` refusing to start open."""

from __future__ import annotations

import base64
import io

import pytest

from dashboard.auth import (
    AuthConfigError,
    Credentials,
    FailureBrake,
    PasswordHash,
    address_allowed,
    hash_password,
    parse_allow_list,
)
from sage.cli import main

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def encoded() -> str:
    return hash_password(PASSWORD)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_a_hash_verifies_its_password_only_and_is_salted(encoded):
    parsed = PasswordHash.parse(encoded)
    assert encoded.startswith("scrypt$32768$8$1$")
    assert PASSWORD not in encoded
    assert parsed.matches(PASSWORD)
    assert not parsed.matches(PASSWORD + " ")
    assert not parsed.matches("")
    assert hash_password(PASSWORD) != encoded  # a new salt each time


def test_short_passwords_and_bad_hashes_are_refused():
    with pytest.raises(AuthConfigError, match="at least 12 characters"):
        hash_password("hunter2")
    for bad in [
        "plain-text-password",
        "scrypt$16384$8$1$c2FsdA==",  # a field missing
        "scrypt$1024$8$1$" + "A" * 24 + "$" + "A" * 44,  # too weak a cost
        "scrypt$32768$8$1$not*base64$" + "A" * 44,
    ]:
        with pytest.raises(AuthConfigError):
            PasswordHash.parse(bad)


def test_basic_credentials_need_the_right_user_and_password(encoded):
    credentials = Credentials(PasswordHash.parse(encoded), user="founder")
    assert credentials.check(basic("founder", PASSWORD))
    assert not credentials.check(basic("sage", PASSWORD))
    assert not credentials.check(basic("founder", "wrong password!"))
    assert not credentials.check(None)
    assert not credentials.check("Bearer " + PASSWORD)
    assert not credentials.check("Basic !!!not-base64!!!")
    assert not credentials.check("Basic " + base64.b64encode(b"no colon").decode())


def test_credentials_come_from_the_environment(encoded):
    assert Credentials.from_env({}) is None
    assert Credentials.from_env({"SAGE_DASHBOARD_PASSWORD_HASH": encoded}).user == "sage"
    configured = Credentials.from_env(
        {"SAGE_DASHBOARD_PASSWORD_HASH": encoded, "SAGE_DASHBOARD_USER": "harnoor"}
    )
    assert configured.user == "harnoor"
    with pytest.raises(AuthConfigError):
        Credentials.from_env({"SAGE_DASHBOARD_PASSWORD_HASH": "secret"})


def test_the_allow_list_takes_addresses_and_networks():
    networks = parse_allow_list("127.0.0.1, 10.0.0.0/8 2001:db8::/32")
    assert address_allowed("127.0.0.1", networks)
    assert address_allowed("10.20.30.40", networks)
    assert address_allowed("::ffff:10.1.2.3", networks)  # IPv4 seen through an IPv6 socket
    assert address_allowed("2001:db8::5", networks)
    assert not address_allowed("192.168.1.10", networks)
    assert not address_allowed("127.0.0.2", networks)
    assert address_allowed("203.0.113.9", parse_allow_list(""))  # no list: any address
    with pytest.raises(AuthConfigError, match="'office'"):
        parse_allow_list("10.0.0.0/8, office")


def test_the_brake_stops_an_address_after_too_many_failures():
    brake = FailureBrake(limit=3, window=60)
    for _ in range(3):
        assert brake.reserve("198.51.100.7") == 0
    assert brake.reserve("198.51.100.7") > 0  # counted before any check ended
    assert brake.reserve("198.51.100.8") == 0  # another address is not affected
    brake.succeeded("198.51.100.7")
    assert brake.reserve("198.51.100.7") == 0


def test_an_attempt_never_checked_is_given_back():
    brake = FailureBrake(limit=2, window=60)
    assert brake.reserve("198.51.100.7") == 0
    assert brake.reserve("198.51.100.7") == 0
    brake.cancel("198.51.100.7")
    assert brake.reserve("198.51.100.7") == 0
    assert brake.reserve("198.51.100.7") > 0


def test_serve_refuses_to_start_without_a_password_hash(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("SAGE_DASHBOARD_PASSWORD_HASH", raising=False)
    assert main(["serve", "--site", str(tmp_path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "SAGE_DASHBOARD_PASSWORD_HASH is not set" in err
    assert "sage serve --hash-password" in err


def test_serve_refuses_a_malformed_hash_or_allow_list(monkeypatch, tmp_path, capsys, encoded):
    monkeypatch.setenv("SAGE_DASHBOARD_PASSWORD_HASH", "my password")
    assert main(["serve", "--site", str(tmp_path), "--port", "0"]) == 2
    assert "not a hash made by `sage serve --hash-password`" in capsys.readouterr().err
    monkeypatch.setenv("SAGE_DASHBOARD_PASSWORD_HASH", encoded)
    monkeypatch.setenv("SAGE_DASHBOARD_ALLOW_IPS", "10.0.0.0/33")
    assert main(["serve", "--site", str(tmp_path), "--port", "0"]) == 2
    assert "'10.0.0.0/33' is not an IP address or network" in capsys.readouterr().err


def test_serve_says_when_the_site_is_not_built(monkeypatch, tmp_path, capsys, encoded):
    monkeypatch.setenv("SAGE_DASHBOARD_PASSWORD_HASH", encoded)
    monkeypatch.delenv("SAGE_DASHBOARD_ALLOW_IPS", raising=False)
    assert main(["serve", "--site", str(tmp_path / "nothing"), "--port", "0"]) == 2
    assert "run `sage dashboard` first" in capsys.readouterr().err


def test_hash_password_reads_standard_input_and_prints_a_usable_hash(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["serve", "--hash-password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert PasswordHash.parse(printed).matches(PASSWORD)

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["serve", "--hash-password"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err
