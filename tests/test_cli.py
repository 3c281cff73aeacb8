"""The ``sage`` command as a user runs it: arguments, output, exit status."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from datetime import date
from pathlib import Path

from sage.cli import main
from tests.conftest import FIXTURES


def digest_tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_generate_is_deterministic_for_a_seed(tmp_path, capsys):
    args = ["generate", "--users", "40", "--days", "3", "--seed", "5", "--start", "2026-09-01"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert digest_tree(tmp_path / "a") == digest_tree(tmp_path / "b")
    assert main([*args[:-1], "2026-09-02", "--out", str(tmp_path / "c")]) == 0
    assert digest_tree(tmp_path / "a") != digest_tree(tmp_path / "c")
    assert "sample of 40 users, 2026-09-01 .. 2026-09-03, seed 5" in capsys.readouterr().out


def test_generate_refuses_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "precious.txt").write_text("keep me")
    assert main(["generate", "--out", str(tmp_path), "--users", "5", "--days", "1"]) == 2
    assert "was not written by `sage generate`" in capsys.readouterr().err
    assert (tmp_path / "precious.txt").exists()


def test_generated_turns_are_heavy_tailed_and_use_every_priced_model(tmp_path):
    from sample_data.world import World

    world = World(users=300, days=10, start=date(2026, 9, 1), seed=3)
    per_user: dict[int, int] = {}
    models = set()
    cached = 0
    for _, conversations in world.iter_days():
        for conversation in conversations:
            per_user[conversation.user.number] = per_user.get(conversation.user.number, 0) + len(
                conversation.turns
            )
            models.update(turn.model_id for turn in conversation.turns)
            cached += sum(1 for turn in conversation.turns if turn.tokens_cache_read)
    counts = sorted(per_user.values())
    median, top = counts[len(counts) // 2], counts[-1]
    assert top > 10 * median  # a few power users
    from sample_data.world import MODELS

    assert {model for model, _ in MODELS[:4]} <= models  # every model in seeds/pricing.csv
    assert cached > 0


def test_ingest_prints_the_accounting_and_exits_1_on_an_unreadable_file(tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(FIXTURES / "lambda_emf" / "malformed_events.json", inputs)
    (inputs / "broken.json.gz").write_bytes(gzip.compress(b'{"messageType": "DATA_MESSAGE"}')[:-8])
    status = main(
        ["ingest", "--source", "lambda_emf", "--lake", str(tmp_path / "lake"), str(inputs)]
    )
    captured = capsys.readouterr()
    assert status == 1
    assert "records              10 read" in captured.out
    assert "landed              1" in captured.out
    assert "quarantined         9" in captured.out
    assert "broken.json.gz: truncated or corrupt gzip file" in captured.err


def test_ingest_of_a_missing_path_is_a_usage_error(tmp_path, capsys):
    status = main(
        ["ingest", "--source", "lambda_emf", "--lake", str(tmp_path), str(tmp_path / "nope")]
    )
    assert status == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_build_refuses_to_run_without_a_pepper(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("SAGE_DEMO", raising=False)
    monkeypatch.delenv("SAGE_PEPPER", raising=False)
    status = main(["build", "--lake", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")])
    assert status == 2
    assert "SAGE_PEPPER is not set" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


def test_demo_runs_twice_in_a_row(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for variable in ("SAGE_LAKE", "SAGE_WAREHOUSE", "SAGE_TARGET"):
        monkeypatch.delenv(variable, raising=False)
    for _ in range(2):
        assert main(["demo", "--users", "60", "--days", "3"]) == 0
        out = capsys.readouterr().out
        assert "LLM cost per person, the 30 days ending on the last complete day" in out
        assert "p90 / p99" in out and "average per person" in out
        assert f"warehouse    {tmp_path / 'warehouse.duckdb'}" in out
    assert (tmp_path / "lake" / ".sage-demo").exists()


def test_demo_never_touches_a_lake_it_did_not_create(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lake").mkdir()
    (tmp_path / "lake" / "production.ndjson.gz").write_bytes(b"x")
    monkeypatch.setenv("SAGE_LAKE", str(tmp_path / "lake"))
    assert main(["demo", "--users", "5", "--days", "1"]) == 2
    assert "holds data the demo did not write" in capsys.readouterr().err
    assert (tmp_path / "lake" / "production.ndjson.gz").exists()
