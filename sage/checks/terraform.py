"""The Terraform in infra/, checked without Terraform or an AWS account.

Every ``.tf`` file is parsed with python-hcl2, then checkov runs its AWS checks
over the folder. A check that does not hold is either fixed or skipped next to
the resource with its reason (``#checkov:skip=CKV_...:why``); a skip without a
reason counts as a failure here. checkov lives in its own virtualenv
(``.venv-checkov``, made by ``make test`` / ``make infra``) because its
dependencies conflict with the project's.

``python -m sage.checks.terraform`` prints the result and exits 1 on a problem.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse.settings import PROJECT_ROOT

INFRA = PROJECT_ROOT / "infra"
CHECKOV = PROJECT_ROOT / ".venv-checkov" / "bin" / "checkov"
MIN_REASON = 20  # characters: a reason, not a placeholder


class TerraformCheckError(RuntimeError):
    pass


def terraform_files(root: Path = INFRA) -> list[Path]:
    return sorted(root.rglob("*.tf"))


def parse(path: Path) -> dict:
    import hcl2

    try:
        with path.open() as handle:
            return hcl2.load(handle)
    except Exception as exc:
        where = path.relative_to(PROJECT_ROOT)
        raise TerraformCheckError(f"{where} does not parse: {exc}") from exc


@dataclass
class CheckovResult:
    passed: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def unexplained_skips(self) -> list[dict]:
        return [
            check
            for check in self.skipped
            if len(check["check_result"].get("suppress_comment", "").strip()) < MIN_REASON
        ]


def run_checkov(root: Path = INFRA) -> CheckovResult:
    if not CHECKOV.exists():
        raise TerraformCheckError(
            f"{CHECKOV.relative_to(PROJECT_ROOT)} is missing; `make test` or `make infra` makes it"
        )
    environment = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}  # no download of check metadata
    command = [str(CHECKOV), "--directory", str(root), "--framework", "terraform", "--output",
               "json", "--skip-download"]  # fmt: skip
    completed = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False
    )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise TerraformCheckError(f"checkov did not run: {completed.stderr[-2000:]}") from None
    reports = report if isinstance(report, list) else [report]
    result = CheckovResult()
    for single in reports:
        if "results" not in single:  # no resources of this framework
            continue
        result.passed += single["results"]["passed_checks"]
        result.failed += single["results"]["failed_checks"]
        result.skipped += single["results"]["skipped_checks"]
    return result


def describe(check: dict) -> str:
    where = f"{check['file_path'].lstrip('/')}:{check['file_line_range'][0]}"
    return f"{check['check_id']} {check['resource']} ({where}): {check['check_name']}"


def main() -> int:
    files = terraform_files()
    for path in files:
        parse(path)
    print(f"parsed {len(files)} Terraform files in infra/")
    result = run_checkov()
    print(
        f"checkov: {len(result.passed)} passed, {len(result.failed)} failed, "
        f"{len(result.skipped)} skipped with a reason"
    )
    for check in result.skipped:
        reason = check["check_result"]["suppress_comment"]
        print(f"  skipped {describe(check)}\n    because {reason}")
    for check in result.failed:
        print(f"  FAILED {describe(check)}")
    for check in result.unexplained_skips():
        print(f"  SKIPPED WITHOUT A REASON {describe(check)}")
    return 1 if result.failed or result.unexplained_skips() else 0


if __name__ == "__main__":
    sys.exit(main())
