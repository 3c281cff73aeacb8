"""The committed version of the price list to compare with, read with git.

Read-only: ``rev-parse``, ``merge-base`` and ``cat-file``; nothing is fetched
or written. Every failure is a :class:`GitError` whose message says what to do.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BRANCHES = ("main", "origin/main")


class GitError(RuntimeError):
    """The base version cannot be found: a usage or set-up problem, not a data one."""


@dataclass(frozen=True)
class BaseVersion:
    commit: str
    label: str  # how the report names it, e.g. "merge base with main (3c40257)"
    path: str  # the file's path inside the repository
    content: bytes | None  # None when the file did not exist at that commit


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed; the diff reads the base version with git") from None


def _text(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stdout.decode().strip()


def _is_shallow(directory: Path) -> bool:
    return _text(_git(directory, "rev-parse", "--is-shallow-repository")) == "true"


SHALLOW_HINT = (
    "this is a shallow clone, so the history needed may be missing: fetch it "
    "(`git fetch --unshallow`; on GitHub Actions, actions/checkout with `fetch-depth: 0`)"
)


def _commit(directory: Path, ref: str) -> str | None:
    result = _git(directory, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return _text(result) if result.returncode == 0 else None


def base_version(path: Path, base: str | None = None) -> BaseVersion:
    """The file at ``base`` (any git ref), or by default at the merge base of HEAD and main."""
    path = path.resolve()
    directory = path.parent
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise GitError(
            f"{path} is not in a git repository: the diff compares it with a committed "
            "version (pass --base once it is in one)"
        )
    inside = path.relative_to(Path(_text(top)).resolve()).as_posix()
    if _commit(directory, "HEAD") is None:
        raise GitError("the repository has no commit yet: commit the price list first")

    if base is not None:
        commit = _commit(directory, base)
        if commit is None:
            hint = f"; {SHALLOW_HINT}" if _is_shallow(directory) else ""
            raise GitError(
                f"--base {base}: no such branch, tag or commit in this repository"
                f" (fetch it first, e.g. `git fetch origin {base}`){hint}"
            )
        label = f"{base} ({commit[:7]})"
    else:
        branch = next((name for name in DEFAULT_BRANCHES if _commit(directory, name)), None)
        if branch is None:
            raise GitError(
                "there is no branch main (nor origin/main) to compare with: "
                "pass --base REF, e.g. --base origin/master"
            )
        merge_base = _git(directory, "merge-base", "HEAD", branch)
        if merge_base.returncode != 0:
            if _is_shallow(directory):
                raise GitError(f"cannot find where HEAD and {branch} diverge: {SHALLOW_HINT}")
            raise GitError(
                f"HEAD and {branch} have no common history: pass --base REF to choose "
                "the version to compare with"
            )
        commit = _text(merge_base)
        label = f"merge base with {branch} ({commit[:7]})"

    blob = _git(directory, "cat-file", "blob", f"{commit}:{inside}")
    return BaseVersion(commit, label, inside, blob.stdout if blob.returncode == 0 else None)
