"""The small JSON records the pipeline persists between rules, typed and versioned.

Every record is a JSON object whose ``format`` field names its kind and version
(``emobatch.<kind>/<version>``); :meth:`Record.load` refuses any other value with an error that
names the file, so a record written by a newer emobatch is never half-understood. Unknown extra
fields are kept out (forward-compatible readers ignore them); a missing field is an error.

=====================  ================================  ===========================================
record                 file (see :mod:`emobatch.paths`)   written by
=====================  ================================  ===========================================
:class:`Sentinel`      ``submitted/<chunk>.json``          ``batch_submit``: the job of a chunk
:class:`Marker`        ``completed/<chunk>.json``          ``batch_poll``: the job's terminal state
:class:`Recovered`     ``recovered/<chunk>.json``          ``batch_recover``: the rounds of a chunk
:class:`Collected`     ``parsed.json``                     ``results_collect``: the parsed chunks
:class:`SubmittedIndex` ``submitted.json``                 ``batch_submitted``: every sentinel
=====================  ================================  ===========================================

Fields (all JSON scalars unless said):

- **Sentinel** (``emobatch.sentinel/2``): job_name, display_name, model, chunk_file, chunk_sha256,
  request_count, estimated_input_tokens, file_name, attempt (0 = first job of the chunk),
  submitted_at, api_key_fingerprint (never the key), backend, endpoint (base URL, no secrets),
  how (created | reconciled | ledger), mode, analysis_id.
- **Marker** (``emobatch.completion/1``): job_name, display_name, state, request_count, succeeded,
  failed, output_file, chunk_file, chunk_sha256, model, mode, analysis_id, attempts (list of
  {job_name, state, all_rows_failed}), submitted_at, create_time, end_time, completed_at,
  waited_seconds.
- **Recovered** (``emobatch.recovered/1``): chunk_file, requests, rounds (list of {round, raw,
  job_name[, rows]}), ok, failed, failed_reasons ({reason: rows}).
- **Collected** (``emobatch.collected/1``): mode, analysis_id, parsed (list of paths), rows.
- **SubmittedIndex** (``emobatch.submitted/1``): mode, jobs (list of {job_name, display_name,
  chunk_file, request_count, submitted_at, how}), requests, submitted_now, next_step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from emobatch import atomic
from emobatch.errors import EmobatchError

R = TypeVar("R", bound="Record")


class RecordFormatError(EmobatchError):
    """A persisted record is of an unknown kind or version, or lacks a field."""


@dataclass
class Record:
    FORMAT: ClassVar[str] = ""
    #: older formats this class still reads (their missing fields take the defaults)
    READS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any], source: str = "<record>") -> R:
        fmt = data.get("format")
        if fmt != cls.FORMAT and fmt not in cls.READS:
            raise RecordFormatError(
                f"{source}: format {fmt!r} is not {cls.FORMAT!r}; it was written by another "
                "version of emobatch or is not this kind of record",
                hint="run the emobatch version that wrote it, or delete the file and re-run the "
                "same command (the ledger prevents paying twice)",
            )
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in kwargs
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise RecordFormatError(
                f"{source}: {cls.FORMAT} record lacks {', '.join(missing)}",
                hint="delete the file and re-run the same command (nothing is paid twice)",
            )
        return cls(**kwargs)

    @classmethod
    def load(cls: type[R], path: Path | str) -> R:
        try:
            data = atomic.read_json(path)
        except ValueError as exc:
            raise RecordFormatError(
                f"{path}: not valid JSON ({exc})", hint="delete the file and re-run"
            ) from exc
        if not isinstance(data, dict):
            raise RecordFormatError(f"{path}: not a JSON object", hint="delete it and re-run")
        return cls.from_dict(data, str(path))

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.FORMAT, **dataclasses.asdict(self)}

    def dump(self, path: Path | str) -> None:
        atomic.write_json(Path(path), self.to_dict())


@dataclass
class Sentinel(Record):
    FORMAT: ClassVar[str] = "emobatch.sentinel/2"
    READS: ClassVar[tuple[str, ...]] = ("emobatch.sentinel/1",)

    job_name: str
    display_name: str
    model: str
    chunk_file: str
    chunk_sha256: str
    request_count: int
    attempt: int
    submitted_at: str
    api_key_fingerprint: str
    backend: str
    how: str
    mode: str
    analysis_id: str
    estimated_input_tokens: int | None = None
    file_name: str | None = None
    endpoint: str | None = None


@dataclass
class Marker(Record):
    FORMAT: ClassVar[str] = "emobatch.completion/1"

    job_name: str
    display_name: str | None
    state: str
    request_count: int
    succeeded: int
    failed: int
    output_file: str | None
    chunk_file: str
    chunk_sha256: str
    model: str
    mode: str
    analysis_id: str
    submitted_at: str
    attempts: list[dict[str, Any]] = field(default_factory=list)
    create_time: str | None = None
    end_time: str | None = None
    completed_at: str | None = None
    waited_seconds: float | None = None


@dataclass
class Recovered(Record):
    FORMAT: ClassVar[str] = "emobatch.recovered/1"

    chunk_file: str
    requests: int
    rounds: list[dict[str, Any]]
    ok: int
    failed: int
    failed_reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Collected(Record):
    FORMAT: ClassVar[str] = "emobatch.collected/1"

    mode: str
    analysis_id: str
    parsed: list[str]
    rows: int


@dataclass
class SubmittedIndex(Record):
    FORMAT: ClassVar[str] = "emobatch.submitted/1"

    mode: str
    jobs: list[dict[str, Any]]
    requests: int
    submitted_now: int
    next_step: str
