"""Source trees to compare: the checkout itself, or a commit materialised as a git worktree.

Each tree runs with ``cwd=PYTHONPATH=<tree root>``, so it imports its own packages;
:func:`sanity_check` proves it by asking a subprocess where ``sim`` came from.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def git(args: list[str], cwd: Path) -> str:
    """Run a git command and return its stripped stdout.

    Raises:
        RuntimeError: if git exits non-zero (with git's message).
    """
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def repo_root() -> Path:
    """Top level of the git checkout that contains this script."""
    return Path(git(["rev-parse", "--show-toplevel"], Path(__file__).resolve().parent))


@contextlib.contextmanager
def source_tree(spec: str | None, repo: Path, label: str) -> Iterator[Path]:
    """Yield the root of a source tree to run, cleaning up any temporary worktree.

    Args:
        spec: None for the checkout containing this script (uncommitted changes
            included), an existing directory (used as is), or any git revision
            (materialised with ``git worktree add --detach`` in a temporary directory).
        repo: Root of the repository to resolve revisions in.
        label: Side name, used in the temporary directory's name.

    Yields:
        The tree root.
    """
    if spec is None:
        yield repo
        return
    if Path(spec).is_dir():
        yield Path(spec).resolve()
        return
    sha = git(["rev-parse", "--verify", f"{spec}^{{commit}}"], repo)
    parent = Path(tempfile.mkdtemp(prefix=f"byte_identity_{label}_"))
    tree = parent / "tree"
    try:
        git(["worktree", "add", "--detach", str(tree), sha], repo)
        yield tree
    finally:
        remove_worktree(tree, repo)
        shutil.rmtree(parent, ignore_errors=True)


def remove_worktree(tree: Path, repo: Path) -> None:
    """Remove a temporary worktree; warn (never raise) if git cannot."""
    if not tree.exists():
        return
    try:
        git(["worktree", "remove", "--force", str(tree)], repo)
    except RuntimeError as exc:
        print(f"warning: {exc}; run `git worktree prune` later", file=sys.stderr)


def describe_tree(root: Path) -> str:
    """Commit of a tree, with the number of uncommitted changes if there are any.

    Uses ``--no-optional-locks`` so that ``git status`` never rewrites the index of a
    checkout someone is working in.
    """
    try:
        sha = git(["rev-parse", "--short", "HEAD"], root)
        dirty = git(["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"], root)
    except RuntimeError:
        return "not a git checkout"
    n = len(dirty.splitlines())
    return f"{sha} + {n} uncommitted change(s)" if n else sha


def tree_env(root: Path) -> dict[str, str]:
    """Environment for a subprocess that must import the packages of ``root``."""
    return {**os.environ, "PYTHONPATH": str(root)}


def sanity_check(side: str, root: Path) -> None:
    """Print the ``sim`` and ``agents`` modules a run on ``root`` imports; fail if foreign.

    Raises:
        RuntimeError: if either package is imported from outside ``root``.
    """
    code = "import agents, sim; print(sim.__file__); print(agents.__file__)"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=tree_env(root),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{side}: cannot import sim from {root}:\n{proc.stderr.strip()}")
    files = [Path(line) for line in proc.stdout.split()]
    print(f"  {side}: sim.__file__ = {files[0]}")
    foreign = [f for f in files if not f.resolve().is_relative_to(root.resolve())]
    if foreign:
        raise RuntimeError(f"{side}: imports {foreign[0]}, not a module of {root}")
