"""Plumbing shared by the operator commands: project folder, config, logging, output, errors.

Every operator command takes ``--project DIR`` (default: the current folder, or
``$EMOBATCH_PROJECT``) and ``--config-file`` (default ``config/config.yaml`` inside it), runs
inside the project folder exactly as Snakemake's rules do (``snakemake --directory``), so the
relative paths in the config, sentinels and markers mean the same thing, and logs to
``<project>/logs/analysis.log`` (keys redacted, nothing on stderr).

The package's exceptions are converted here, at the edge, into one error paragraph
("Error: what was found ... next step: what to do") and an exit code: 1 for an error, 75
("try again later") when a job has not finished yet, 2 for a usage error (click's own).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from emobatch import logs
from emobatch.config import Settings, load_config
from emobatch.errors import EmobatchError, JobStillRunning
from emobatch.secrets import redact
from emobatch.timefmt import TERMINAL, age_seconds, human_age, one_line, parse_time

__all__ = [
    "EXIT_ERROR",
    "EXIT_STILL_RUNNING",
    "TERMINAL",
    "CliError",
    "Project",
    "age_seconds",
    "console",
    "count",
    "emit_json",
    "errors_at_the_edge",
    "human_age",
    "json_option",
    "new_table",
    "one_line",
    "parse_time",
    "project_command",
    "usd",
]

log = logging.getLogger("emobatch.cli")
F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_STILL_RUNNING = 75


class CliError(click.ClickException):
    """One readable error paragraph and an exit code (no traceback)."""

    def __init__(
        self, message: str, *, hint: str | None = None, exit_code: int = EXIT_ERROR
    ) -> None:
        text = message if hint is None else f"{message}\n  next step: {hint}"
        super().__init__(redact(text))
        self.exit_code = exit_code  # type: ignore[misc]  # click declares a class default


# -- the project ----------------------------------------------------------------------------
@dataclass
class Project:
    """An emobatch project folder (where ``snakemake`` runs) and its configuration."""

    root: Path
    config_file: Path
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_config(self.config_file)
        return self._settings

    @contextmanager
    def backend(self, jobs: Iterable[Any] = ()) -> Iterator[Any]:
        """Each job's own backend (``emobatch.operations.job_backends``), the configured one
        for everything else (``local``: an in-process emulator); closed after use."""
        from emobatch.operations.job_backends import JobBackends

        backend = JobBackends(self.settings, jobs)
        try:
            yield backend
        finally:
            backend.close()


def _check_project(root: Path, config_file: Path) -> None:
    if not root.is_dir():
        raise CliError(
            f"project folder {root} does not exist",
            hint="pass --project DIR (the folder you run snakemake in)",
        )
    if not (root / config_file).is_file():
        raise CliError(
            f"{root / config_file} not found: {root} does not look like an emobatch project",
            hint="run the command in the folder you run snakemake in, or pass --project DIR "
            "(and --config-file if the config is elsewhere)",
        )


@contextmanager
def _inside(root: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _logging_to(analysis_log: Path) -> Iterator[None]:
    """Send log records to the project's analysis log only; restore the previous set-up."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    logs.setup(None, analysis_log=analysis_log, stream=False)
    ours = list(root.handlers)
    try:
        yield
    finally:
        for handler in ours:
            root.removeHandler(handler)
            handler.close()
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


@contextmanager
def errors_at_the_edge() -> Iterator[None]:
    """Turn the package's exceptions into one error paragraph and an exit code."""
    from emobatch.backends.base import RemoteListingIncomplete

    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except JobStillRunning as exc:
        log.warning("%s", exc)
        raise CliError(str(exc), exit_code=EXIT_STILL_RUNNING) from None
    except EmobatchError as exc:
        log.error("%s", exc)
        raise CliError(str(exc)) from None
    except RemoteListingIncomplete as exc:
        log.error("listing failed part-way: %s", exc)
        raise CliError(
            f"listing the provider's batch jobs failed part-way ({exc})",
            hint="retry later; nothing was changed",
        ) from None
    except OSError as exc:
        log.error("%s", exc)
        where = f"{exc.filename}: " if exc.filename else ""
        raise CliError(
            f"{where}{exc.strerror or exc}", hint="check the path and its permissions"
        ) from None


def project_command(fn: F) -> F:
    """Add ``--project``/``--config-file``; run ``fn(project, ...)`` inside the project folder
    with logging to its analysis log and the package's errors converted at the edge."""

    @functools.wraps(fn)
    def wrapper(project_dir: Path, config_file: Path, **kwargs: Any) -> Any:
        try:
            root = project_dir.expanduser().resolve()
        except OSError as exc:  # e.g. the current folder was deleted
            raise CliError(
                f"cannot use project folder {project_dir}: {exc.strerror or exc}",
                hint="cd into the project folder or pass --project DIR",
            ) from None
        _check_project(root, config_file)
        ctx = click.get_current_context()
        with _inside(root), _logging_to(root / "logs" / "analysis.log"), errors_at_the_edge():
            log.info(
                "command: %s %s",
                ctx.command_path,
                " ".join(f"{k}={v}" for k, v in sorted(kwargs.items()) if v not in (None, False)),
            )
            return fn(Project(root, config_file), **kwargs)

    wrapper = click.option(
        "--config-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("config/config.yaml"),
        show_default=True,
        help="The pipeline's config file, relative to the project folder.",
    )(wrapper)
    wrapper = click.option(
        "--project",
        "project_dir",
        envvar="EMOBATCH_PROJECT",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default="current folder",
        help="The project folder (where snakemake runs); also $EMOBATCH_PROJECT.",
    )(wrapper)
    return wrapper  # type: ignore[return-value]


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


# -- output ---------------------------------------------------------------------------------
def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True, default=str))


def console() -> Any:
    """A rich console on stdout; wide and colourless when stdout is not a terminal."""
    from rich.console import Console

    tty = sys.stdout.isatty()
    width = None if tty or os.environ.get("COLUMNS") else 200
    return Console(highlight=False, width=width, no_color=not tty or None, soft_wrap=False)


def new_table(title: str | None = None, **kwargs: Any) -> Any:
    """A rich table in the house look (a rule under the header, no outer box)."""
    from rich import box
    from rich.table import Table

    return Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        **kwargs,
    )


def usd(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:,.4f}" if value >= 0.0001 or value == 0 else f"${value:.2e}"


def count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
