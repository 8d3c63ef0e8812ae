"""Typed view of the validated pipeline configuration.

Snakemake validates ``config/config.yaml`` against ``workflow/schemas/config.schema.yaml`` (which
also fills defaults); the rules pass the resulting dict to :func:`Settings.from_dict`. Code outside
Snakemake (the CLI, tests) calls :func:`load_config`, which does the same validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emobatch import yamlio
from emobatch.errors import ConfigError

MODES = ("code_check", "pilot", "sampling", "full")
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


@dataclass(frozen=True)
class InputSettings:
    path: Path
    format: str
    id_column: str
    text_column: str
    encoding: str = "auto"  # auto (UTF-8, then CP949) or a codec name
    delimiter: str = "auto"  # auto (sniffed from the header), , ; | tab, or their names
    sheet: str | int | None = None  # Excel: sheet name or 0-based index; None = the first
    strict_quotes: bool = True  # a multi-line value that swallowed record-like lines is an error


@dataclass(frozen=True)
class FilterSettings:
    drop_duplicate_texts: bool
    max_text_chars: int
    long_text_policy: str
    skip_analysed: bool


@dataclass(frozen=True)
class SamplingSettings:
    confidence: float
    margin_of_error: float
    proportion: float
    min_size: int
    seed: int


@dataclass(frozen=True)
class GenerationSettings:
    """What the user asked for; :mod:`emobatch.generation` translates it per model."""

    thinking: str  # off | minimal | low | medium | high
    thinking_budget: int | None  # expert override for budget-controlled (2.5) models
    temperature: float | None
    top_p: float | None
    top_k: int | None
    max_output_tokens: int


@dataclass(frozen=True)
class BatchSettings:
    model_name: str
    max_batch_size: int
    max_file_size_mb: float
    poll_interval_seconds: float
    first_poll_seconds: float
    max_wait_hours: float
    blocking: bool
    retry_rounds: int
    job_resubmits: int
    max_concurrent_jobs: int
    max_enqueued_tokens: int
    posts_per_request: int = 1  # packed requests (emobatch.packing); part of the analysis id


@dataclass(frozen=True)
class ApiSettings:
    timeout_seconds: float
    retry_attempts: int
    retry_initial_delay_seconds: float
    retry_max_delay_seconds: float
    retry_max_total_seconds: float


@dataclass(frozen=True)
class DeliverySettings:
    """How requests reach the model: one batch job per chunk, or synchronous calls (Flex tier or
    standard interactive), and how many independent codings of each post (``repeats``)."""

    kind: str = "batch"  # batch | flex | interactive
    repeats: int = 1
    flex_fallback: str | None = None  # "interactive": after max_attempts sheds, pay full price
    concurrency: int = 8
    requests_per_minute: float = 1000.0
    tokens_per_minute: float = 4_000_000.0
    max_attempts: int = 8
    retry_initial_delay_seconds: float = 1.0
    retry_max_delay_seconds: float = 60.0
    shed_retry_seconds: float = 30.0


@dataclass(frozen=True)
class LocalSettings:
    state_dir: Path
    latency_seconds: float
    faults: Path | None


@dataclass(frozen=True)
class VertexSettings:
    """``backend: vertex``: where jobs run (project, location) and where their files live.

    ``max_requests_per_job`` and ``max_bytes_per_job`` are Vertex AI's batch limits (200,000
    requests and 1 GB per job, documented late 2026); chunks follow them (:func:`chunk_limits`).
    """

    project: str | None = None
    location: str = "us-central1"
    bucket: str | None = None
    prefix: str = "emobatch"
    max_requests_per_job: int = 200_000
    max_bytes_per_job: int = 1_000_000_000


#: Bytes per line the Vertex input shape may add to a chunk line (the key moves into a label).
VERTEX_LINE_OVERHEAD = 64


@dataclass(frozen=True)
class ReportSettings:
    """The figures of the Snakemake report (``emobatch.report``)."""

    #: dataset columns the emotion distribution is broken down by (one figure each)
    group_by: tuple[str, ...] = ("lang", "platform")


@dataclass(frozen=True)
class ValidationSettings:
    """The human-coding sheet, the agreement report and the gate on ``full``."""

    sheet_mode: str
    sheet_size: int
    sheet_seed: int
    sheet_intensities: bool
    min_per_label: int
    human_codes: tuple[Path, ...]
    draws: int
    bootstrap_seed: int
    alt_test_epsilon: float
    gate_metric: str
    gate_field: str
    gate_bound: str
    gate_threshold: float
    override_reason: str | None


@dataclass(frozen=True)
class Settings:
    backend: str
    input: InputSettings
    filter: FilterSettings
    mode_sizes: dict[str, int]
    sampling: SamplingSettings
    codebook: Path
    generation: GenerationSettings
    batch: BatchSettings
    api: ApiSettings
    local: LocalSettings
    ledger_path: Path
    history_dir: Path
    budget_usd: float | None
    catalogue: Path | None  # None: the bundled model catalogue (emobatch/data/models.yaml)
    validation: ValidationSettings
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    vertex: VertexSettings = field(default_factory=VertexSettings)
    report: ReportSettings = field(default_factory=ReportSettings)

    @classmethod
    def from_dict(cls, cfg: dict[str, Any]) -> Settings:
        """Build settings from an already validated (defaults filled) config dict."""
        try:
            inp, flt, smp = cfg["input"], cfg["filter"], cfg["sampling"]
            gen, bat, loc = cfg["generation"], cfg["batch"], cfg["local"]
            return cls(
                backend=cfg["backend"],
                input=InputSettings(
                    path=Path(inp["path"]),
                    format=inp["format"],
                    id_column=inp["id_column"],
                    text_column=inp["text_column"],
                    encoding=str(inp.get("encoding", "auto")),
                    delimiter=str(inp.get("delimiter", "auto")),
                    sheet=inp.get("sheet"),
                    strict_quotes=bool(inp.get("strict_quotes", True)),
                ),
                filter=FilterSettings(
                    drop_duplicate_texts=bool(flt["drop_duplicate_texts"]),
                    max_text_chars=int(flt["max_text_chars"]),
                    long_text_policy=flt["long_text_policy"],
                    skip_analysed=bool(flt["skip_analysed"]),
                ),
                mode_sizes={k: int(v) for k, v in cfg["modes"].items()},
                sampling=SamplingSettings(
                    confidence=float(smp["confidence"]),
                    margin_of_error=float(smp["margin_of_error"]),
                    proportion=float(smp["proportion"]),
                    min_size=int(smp["min_size"]),
                    seed=int(smp["seed"]),
                ),
                codebook=Path(cfg["codebook"]),
                generation=GenerationSettings(
                    thinking=str(gen["thinking"]),
                    thinking_budget=_opt(gen.get("thinking_budget"), int),
                    temperature=_opt(gen.get("temperature"), float),
                    top_p=_opt(gen.get("top_p"), float),
                    top_k=_opt(gen.get("top_k"), int),
                    max_output_tokens=int(gen["max_output_tokens"]),
                ),
                batch=BatchSettings(
                    model_name=str(bat["model_name"]),
                    max_batch_size=int(bat["max_batch_size"]),
                    max_file_size_mb=float(bat["max_file_size_mb"]),
                    poll_interval_seconds=float(bat["poll_interval_seconds"]),
                    first_poll_seconds=float(bat["first_poll_seconds"]),
                    max_wait_hours=float(bat["max_wait_hours"]),
                    blocking=bool(bat["blocking"]),
                    retry_rounds=int(bat["retry_rounds"]),
                    job_resubmits=int(bat["job_resubmits"]),
                    max_concurrent_jobs=int(bat["max_concurrent_jobs"]),
                    max_enqueued_tokens=int(bat["max_enqueued_tokens"]),
                    posts_per_request=int(bat.get("posts_per_request", 1)),
                ),
                api=ApiSettings(
                    timeout_seconds=float(cfg["api"]["timeout_seconds"]),
                    retry_attempts=int(cfg["api"]["retry_attempts"]),
                    retry_initial_delay_seconds=float(cfg["api"]["retry_initial_delay_seconds"]),
                    retry_max_delay_seconds=float(cfg["api"]["retry_max_delay_seconds"]),
                    retry_max_total_seconds=float(cfg["api"]["retry_max_total_seconds"]),
                ),
                local=LocalSettings(
                    state_dir=Path(loc["state_dir"]),
                    latency_seconds=float(loc["latency_seconds"]),
                    faults=Path(loc["faults"]) if loc.get("faults") else None,
                ),
                ledger_path=Path(cfg["ledger_path"]),
                history_dir=Path(cfg["history_dir"]),
                budget_usd=None if cfg.get("budget_usd") is None else float(cfg["budget_usd"]),
                catalogue=Path(cfg["catalogue"]) if cfg.get("catalogue") else None,
                validation=_validation(cfg["validation"], int(smp["seed"])),
                delivery=_delivery(cfg),
                vertex=_vertex(cfg.get("vertex") or {}),
                report=ReportSettings(
                    group_by=tuple(
                        str(c)
                        for c in (cfg.get("report") or {}).get("group_by", ReportSettings.group_by)
                    )
                ),
            )
        except KeyError as exc:  # only reachable when validation was skipped
            raise ConfigError(
                f"configuration key {exc} is missing",
                hint="validate the config against workflow/schemas/config.schema.yaml "
                "(snakemake does this; outside snakemake use emobatch.config.load_config)",
            ) from exc


def _vertex(raw: dict[str, Any]) -> VertexSettings:
    default = VertexSettings()
    return VertexSettings(
        project=_opt(raw.get("project"), str),
        location=str(raw.get("location") or default.location),
        bucket=_opt(raw.get("bucket"), str),
        prefix=str(raw.get("prefix", default.prefix)).strip("/"),
        max_requests_per_job=int(raw.get("max_requests_per_job", default.max_requests_per_job)),
        max_bytes_per_job=int(raw.get("max_bytes_per_job", default.max_bytes_per_job)),
    )


def chunk_limits(settings: Settings) -> tuple[int, int]:
    """``(requests, bytes)`` per chunk: ``batch.max_batch_size`` and ``max_file_size_mb``, and on
    ``backend: vertex`` at most Vertex's per-job limits (bytes less a per-line allowance for the
    key label the Vertex input carries instead of ``key``)."""
    lines = settings.batch.max_batch_size
    size = int(settings.batch.max_file_size_mb * 1_000_000)
    if settings.backend == "vertex":
        vertex = settings.vertex
        lines = min(lines, vertex.max_requests_per_job)
        size = min(size, max(1, vertex.max_bytes_per_job - lines * VERTEX_LINE_OVERHEAD))
    return lines, size


def _delivery(cfg: dict[str, Any]) -> DeliverySettings:
    rt = cfg.get("realtime") or {}
    d = DeliverySettings()
    return DeliverySettings(
        kind=str(cfg.get("delivery") or d.kind),
        repeats=int(cfg.get("repeats") or d.repeats),
        flex_fallback=rt.get("flex_fallback"),
        concurrency=int(rt.get("concurrency", d.concurrency)),
        requests_per_minute=float(rt.get("requests_per_minute", d.requests_per_minute)),
        tokens_per_minute=float(rt.get("tokens_per_minute", d.tokens_per_minute)),
        max_attempts=int(rt.get("max_attempts", d.max_attempts)),
        retry_initial_delay_seconds=float(
            rt.get("retry_initial_delay_seconds", d.retry_initial_delay_seconds)
        ),
        retry_max_delay_seconds=float(rt.get("retry_max_delay_seconds", d.retry_max_delay_seconds)),
        shed_retry_seconds=float(rt.get("shed_retry_seconds", d.shed_retry_seconds)),
    )


def _validation(raw: dict[str, Any], default_seed: int) -> ValidationSettings:
    sheet, gate, boot = raw["sheet"], raw["gate"], raw["bootstrap"]
    codes = raw.get("human_codes") or []
    codes = [codes] if isinstance(codes, str) else list(codes)
    reason = raw.get("override_reason")
    return ValidationSettings(
        sheet_mode=str(sheet["mode"]),
        sheet_size=int(sheet["size"]),
        sheet_seed=int(sheet["seed"]) if sheet.get("seed") is not None else default_seed,
        sheet_intensities=bool(sheet["intensities"]),
        min_per_label=int(sheet["min_per_label"]),
        human_codes=tuple(Path(p) for p in codes),
        draws=int(boot["draws"]),
        bootstrap_seed=int(boot["seed"]) if boot.get("seed") is not None else default_seed,
        alt_test_epsilon=float(raw["alt_test"]["epsilon"]),
        gate_metric=str(gate["metric"]),
        gate_field=str(gate["field"]),
        gate_bound=str(gate["bound"]),
        gate_threshold=float(gate["threshold"]),
        override_reason=str(reason).strip() if reason and str(reason).strip() else None,
    )


def _opt(value: Any, kind: type) -> Any:
    return None if value is None else kind(value)


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Turn command-line strings ("1", "0.5", "true", "null") into the type the schema wants.

    ``snakemake --config 'batch={"max_batch_size": 40}'`` hands nested values over as strings;
    without this, every numeric override would be rejected.
    """
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        return {k: _coerce(v, props.get(k) or {}) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    wanted = schema.get("type")
    types_ = set(wanted) if isinstance(wanted, list) else {wanted}
    text = value.strip()
    if "null" in types_ and text.lower() in {"null", "none", "~", ""}:
        return None
    if "boolean" in types_ and text.lower() in {"true", "false"}:
        return text.lower() == "true"
    if "integer" in types_:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in types_:
        try:
            return float(text)
        except ValueError:
            pass
    return value


def describe_problems(cfg: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """One line per schema violation, naming the key as a dotted path."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    out = []
    for err in sorted(validator.iter_errors(cfg), key=lambda e: list(e.absolute_path)):
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        if err.validator == "additionalProperties":
            out.append(f"{key}: {err.message} (unknown key; check its spelling)")
        elif err.validator == "enum":
            allowed = ", ".join(map(str, err.validator_value))
            out.append(f"{key}: {err.instance!r} is not allowed; use one of: {allowed}")
        else:
            out.append(f"{key}: {err.message}")
    return out


def validate_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """Validate ``cfg`` in place against the JSON schema, filling defaults; raise ConfigError."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    schema = yamlio.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    cfg.update(_coerce(dict(cfg), schema))
    problems = describe_problems(cfg, schema)
    if problems:
        raise ConfigError(
            "invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems),
            hint="fix the key(s) named above in config/config.yaml or in your --config "
            "override; every key is described in workflow/schemas/config.schema.yaml",
        )
    try:
        validate(cfg, str(SCHEMA_PATH), set_default=True)
    except WorkflowError as exc:
        raise ConfigError(
            f"invalid configuration: {exc}",
            hint="fix the key named above in config/config.yaml or in your --config override",
        ) from exc
    return cfg


def load_config(
    path: Path | str = "config/config.yaml", overrides: dict[str, Any] | None = None
) -> Settings:
    """Read, merge overrides into, validate and type a config file (outside Snakemake)."""
    return Settings.from_dict(load_config_dict(path, overrides))


def load_config_dict(
    path: Path | str = "config/config.yaml", overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The validated config dict (defaults filled) of :func:`load_config`: what Snakemake
    hands a job, which builds its :class:`Settings` with :meth:`Settings.from_dict`."""
    p = Path(path)
    try:
        cfg = yamlio.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {p} not found", hint="run from the project folder") from exc
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return validate_config(cfg)
