"""What holds for every test: a clean environment, no state in the repo, Snakemake only if slow.

- **Environment.** API keys, key files, endpoints, crash points, every other ``EMOBATCH_*``
  hook and the terminal's size (``COLUMNS``, ``LINES``) of the developer's shell are removed
  (with ``monkeypatch``) for the whole session and again before each test, so no test sees a
  real key or reaches a real endpoint, and a variable one test sets never leaks into the next.
  A test that needs one sets it itself.
- **State.** The repository's ``results/`` and ``logs/`` are the same after the session as
  before it (a ``make run`` may have left files there: they are compared, not required to be
  absent). Tests put projects, ledgers, histories and emulator state under ``tmp_path``.
- **Layers.** A test that starts Snakemake (``python -m snakemake`` in a subprocess) must be
  marked ``slow``: ``make test-fast`` (``-m "not slow"``) leaves exactly those out.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Removed from the environment of every test (and of the processes tests start).
ISOLATED = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY_FILE",
    "EMOBATCH_GEMINI_BASE_URL",
    "EMOBATCH_CRASH_AT",
    "EMOBATCH_CRASH_SCOPE",
    "EMOBATCH_PROJECT",
    "STORAGE_EMULATOR_HOST",
    "GOOGLE_APPLICATION_CREDENTIALS",
    # the terminal's size (pytest-xdist workers get COLUMNS=80): tables are drawn for a pipe
    "COLUMNS",
    "LINES",
)
#: ...and so is every variable with this prefix (the test hooks of src/emobatch).
ISOLATED_PREFIX = "EMOBATCH_"
#: Folders of the repo that no test may create or change.
GUARDED = ("results", "logs")


def _isolate(mp: pytest.MonkeyPatch) -> None:
    for name in {*ISOLATED, *(k for k in os.environ if k.startswith(ISOLATED_PREFIX))}:
        mp.delenv(name, raising=False)


_session_env: dict[str, pytest.MonkeyPatch] = {}


@pytest.fixture(scope="session", autouse=True)
def _isolated_session() -> Iterator[None]:
    """Session-wide, so session fixtures (a project built once) start clean too; the
    developer's environment comes back at the end."""
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp)
        _session_env["mp"] = mp
        yield
        del _session_env["mp"]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    _isolate(monkeypatch)


def _tree(root: Path) -> dict[str, tuple[int, int]] | None:
    """Every path under ``root`` with its size and mtime (None when ``root`` is missing)."""
    if not root.exists():
        return None
    out = {}
    for path in [root, *root.rglob("*")]:
        try:
            st = path.lstat()
        except FileNotFoundError:  # removed while walking (by whoever else uses the repo)
            continue
        out[str(path.relative_to(REPO))] = (st.st_size, st.st_mtime_ns)
    return out


def repo_changes(
    before: dict[str, dict[str, tuple[int, int]] | None],
    after: dict[str, dict[str, tuple[int, int]] | None],
) -> list[str]:
    """Sentences naming what appeared, disappeared or changed in the guarded folders."""
    changes = []
    for name in GUARDED:
        old, new = before[name], after[name]
        if old is None and new is None:
            continue
        if old is None or new is None:
            changes.append(f"{name}/ was {'created' if old is None else 'removed'}")
            continue
        changes += [f"created {p}" for p in sorted(new.keys() - old.keys())]
        changes += [f"removed {p}" for p in sorted(old.keys() - new.keys())]
        changes += [f"changed {p}" for p in sorted(old.keys() & new.keys()) if old[p] != new[p]]
    return changes


@pytest.fixture(scope="session", autouse=True)
def _repo_state_untouched() -> Iterator[None]:
    """Fails the session (as an error of its last test) if a test wrote to results/ or logs/."""
    before = {name: _tree(REPO / name) for name in GUARDED}
    yield
    changes = repo_changes(before, {name: _tree(REPO / name) for name in GUARDED})
    assert not changes, (
        f"tests wrote into the repository ({REPO}); put the state under tmp_path instead:\n  "
        + "\n  ".join(changes[:40])
    )


# -- Snakemake only in tests marked slow ----------------------------------------------------
_current: dict[str, pytest.Item | None] = {"item": None}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of ``item`` (a session fixture set up here included): remove what an
    earlier test left in ``os.environ`` without monkeypatch, and note who is running."""
    if "mp" in _session_env:
        _isolate(_session_env["mp"])
    _current["item"] = item


def runs_snakemake(args: Sequence[Any] | str | bytes) -> bool:
    """Whether a command line starts Snakemake (``python -m snakemake`` or ``.../snakemake``)."""
    if isinstance(args, str | bytes | os.PathLike):
        words = [os.fsdecode(args)]
    else:
        words = [os.fsdecode(a) if isinstance(a, str | bytes | os.PathLike) else "" for a in args]
    return any(w == "snakemake" or w.endswith("/snakemake") for w in words)


def _check_slow(args: Sequence[Any] | str | bytes) -> None:
    item = _current["item"]
    if item is not None and item.get_closest_marker("slow") is None and runs_snakemake(args):
        raise AssertionError(
            f"{item.nodeid} runs Snakemake but is not marked slow; add @pytest.mark.slow "
            "(or a module-level pytestmark) so that `make test-fast` leaves it out"
        )


_execute_child = subprocess.Popen._execute_child  # type: ignore[attr-defined]


def _guarded_execute_child(self: subprocess.Popen[Any], args: Any, *rest: Any, **kw: Any) -> Any:
    _check_slow(args)
    return _execute_child(self, args, *rest, **kw)


def pytest_configure(config: pytest.Config) -> None:
    subprocess.Popen._execute_child = _guarded_execute_child  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    subprocess.Popen._execute_child = _execute_child  # type: ignore[attr-defined]


# -- pytest-xdist: groups and order -------------------------------------------------------
def _shared_fixtures(item: pytest.Item) -> list[str]:
    """The module- and session-scoped fixtures of the suite's own (not autouse ``_*``) that
    ``item`` uses: a built project, a module's coded data."""
    info = getattr(item, "_fixtureinfo", None)
    out = []
    for name in info.names_closure if info else ():
        defs = info.name2fixturedefs.get(name) if info else None
        if not defs or name.startswith("_"):
            continue
        fixturedef = defs[-1]
        if fixturedef.scope in ("module", "session") and fixturedef.baseid:  # "": plugins
            out.append(name if fixturedef.scope == "session" else f"{item.path.stem}.{name}")
    return sorted(out)


def _group(item: pytest.Item) -> str | None:
    """The item's xdist group: its ``xdist_group`` marks or, for a slow test, the shared
    fixtures it uses (so a project built once per worker is built once, whoever wrote the
    test and whether or not it carries a mark)."""
    names = sorted(
        str(m.args[0] if m.args else m.kwargs.get("name", "default"))
        for m in item.iter_markers("xdist_group")
    )
    if not names and item.get_closest_marker("slow") is not None:
        names = _shared_fixtures(item)
    return "_".join(names) if names else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On xdist workers only (a plain ``pytest`` keeps file order and node ids):

    - **groups** (:func:`_group`): ``--dist loadgroup`` keeps a group on one worker by the
      suffix ``@<group>`` of the node id. xdist 3.8 writes it to ``item._nodeid``, but pytest
      9.2 reads node ids from ``item._id``, so the suffix is lost and groups are spread over
      the workers (pytest-dev/pytest-xdist#1386, fix proposed in #1388). The suffix is put
      where pytest 9.2 reads it, for marked groups and for slow tests' shared fixtures; where
      a node id already ends with it (a fixed xdist), nothing changes.
    - **order**: the cluster test first, then the other slow tests, then the rest, so the
      longest work starts first and the short tests fill in at the end. Every worker sorts the
      same collection the same way, as xdist requires.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if config.getvalue("loadgroup"):
        from _pytest.nodeid import NodeId

        for item in items:
            group = _group(item)
            if group and not item.nodeid.endswith(f"@{group}"):
                item._id = NodeId.parse(f"{item.nodeid}@{group}")  # type: ignore[attr-defined]

    def rank(item: pytest.Item) -> int:
        if _group(item) == "slurm":
            return 0
        return 1 if item.get_closest_marker("slow") is not None else 2

    items.sort(key=rank)  # stable: file order within each rank
