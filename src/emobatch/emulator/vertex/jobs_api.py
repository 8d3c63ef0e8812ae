"""``batchPredictionJobs``: create, get, list, cancel and delete, in the Vertex wire shape.

Paths are ``/{v1|v1beta1}/projects/{project}/locations/{location}/batchPredictionJobs[/{id}]``.
Jobs are seen only through their own location (the SDK rebuilds every job path with the
client's project and location, so a job of another region answers 404, as on the real
service). A create resolves the model through the :class:`..models.ModelRegistry` and takes
its fate from the fault plan (``job_failed``, ``job_expired``, row faults), exactly like the
Gemini emulator; the first request that finds a job due runs it once, under its lock.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import ids
from ..api_errors import ApiError
from ..clock import Clock, today
from ..exchange import ApiRequest, ApiResponse
from ..faults import FaultPlan, job_fate
from ..models import ModelRegistry
from ..paging import page_size, paginate
from . import resource
from .runner import VertexRunner
from .store import VertexStore

log = logging.getLogger("emobatch.emulator.vertex")

MODEL_PREFIX = "publishers/google/models/"
JOB_FIELDS = frozenset({"displayName", "model", "inputConfig", "outputConfig", "labels"})


def not_found(what: str) -> ApiError:
    return ApiError(404, f"The BatchPredictionJob does not exist: {what}.")


def _gcs_uri(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.startswith("gs://") or len(value) <= 5:
        raise ApiError(400, f"{where} must be a gs:// URI, not {value!r}.")
    return value


class JobsApi:
    """Batch prediction jobs over a :class:`.store.VertexStore`."""

    def __init__(
        self,
        store: VertexStore,
        runner: VertexRunner,
        registry: ModelRegistry,
        *,
        faults: FaultPlan,
        seed: int,
        latency_seconds: float,
        clock: Clock,
    ) -> None:
        self.store, self.runner, self.registry = store, runner, registry
        self.faults, self.seed, self.latency = faults, seed, latency_seconds
        self.clock = clock

    # -- create ------------------------------------------------------------------------
    def create(self, req: ApiRequest) -> ApiResponse:
        body = req.json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected an object.")
        unknown = sorted(set(body) - JOB_FIELDS)
        if unknown:
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{unknown[0]}".')
        model = str(body.get("model") or "")
        if not model.startswith(MODEL_PREFIX):
            raise ApiError(400, f"Invalid model {model!r}: expected {MODEL_PREFIX}<model>.")
        short = model.removeprefix(MODEL_PREFIX)
        resolved = self.registry.resolve(short, today(self.clock))
        if resolved is None or "batchGenerateContent" not in resolved.requested.actions:
            raise ApiError(404, f"Publisher Model `{model}` not found.")
        source = (body.get("inputConfig") or {}).get("gcsSource") or {}
        uris = source.get("uris") or []
        if len(uris) != 1:
            raise ApiError(400, "inputConfig.gcsSource.uris must hold exactly one gs:// URI.")
        input_uri = _gcs_uri(uris[0], "inputConfig.gcsSource.uris[0]")
        destination = (body.get("outputConfig") or {}).get("gcsDestination") or {}
        prefix = _gcs_uri(
            destination.get("outputUriPrefix"), "outputConfig.gcsDestination.outputUriPrefix"
        )
        display_name = str(body.get("displayName") or "")
        now = self.clock.now_ns()

        def register(c: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            c["creates_total"] += 1
            ordinal = int(c["creates_total"])
            by_name = c["creates_by_display_name"]
            by_name[display_name] = by_name.get(display_name, 0) + 1
            fate = job_fate(
                self.faults, c, seed=self.seed, ordinal=ordinal, display_name=display_name
            )
            return ordinal, fate

        ordinal, fate = self.store.update_counters(register)
        record = {
            "format": 1,
            "kind": "vertex_batch",
            "id": resource.job_id(self.seed, ordinal, display_name),
            "ordinal": ordinal,
            "project": req.params["project"],
            "projectNumber": resource.project_number(req.params["project"]),
            "location": req.params["location"],
            "displayName": display_name,
            "model": model,
            "answeredBy": resolved.answering.name,
            "createNs": now,
            "latencyS": float(self.latency),
            "inputUri": input_uri,
            "outputPrefix": prefix,
            "fate": fate,
            "result": None,
        }
        self.store.put_job(record)
        log.info("created %s (%s)", record["id"], display_name or "-")
        return ApiResponse.of_json(resource.resource(record, now, created=True))

    # -- read --------------------------------------------------------------------------
    def _record(self, req: ApiRequest) -> dict[str, Any]:
        record = self.store.get_job(req.params["job_id"])
        if record is None or record["location"] != req.params["location"]:
            raise not_found(req.params["job_id"])
        return record

    def observe(self, record: dict[str, Any]) -> dict[str, Any]:
        """The resource now, running the job first if it is due."""
        now = self.clock.now_ns()
        if not record.get("result") and resource.scheduled_state(record, now)[0] == resource.DUE:
            record = self.materialize(record["id"])
        return resource.resource(record, self.clock.now_ns())

    def materialize(self, job_id: str) -> dict[str, Any]:
        """Store the job's result exactly once (under the job lock)."""
        with self.store.lock(f"job-{job_id}"):
            record = self.store.get_job(job_id)
            if record is None:
                raise not_found(job_id)
            if record.get("result"):
                return record
            now = self.clock.now_ns()
            terminal = resource.FROM_FATE.get((record.get("fate") or {}).get("terminal", ""))
            fired: dict[str, int] = {}
            if terminal == resource.FAILED:
                message = record["fate"].get("message") or "Batch prediction job failed."
                result: dict[str, Any] = {
                    "state": terminal,
                    "endNs": now,
                    "error": {"code": 13, "message": message},
                }
            elif terminal == resource.EXPIRED:
                message = "The job was queued longer than the 72 hours allowed and expired."
                result = {"state": terminal, "endNs": now, "error": {"code": 4, "message": message}}
            else:
                try:
                    result, counted = self.runner.run(record, now)
                except Exception as exc:  # keep the job retryable: answer 500, store nothing
                    log.exception("running job %s failed", job_id)
                    raise ApiError(500, f"The emulator could not run the job: {exc}") from exc
                fired = dict(counted)
            record["result"] = result
            self.store.put_job(record)
        if fired:

            def count(c: dict[str, Any]) -> None:
                for kind, n in fired.items():
                    c["faults_fired"][kind] = c["faults_fired"].get(kind, 0) + n

            self.store.update_counters(count)
        log.info("%s reached %s", job_id, record["result"]["state"])
        return record

    def get(self, req: ApiRequest) -> ApiResponse:
        return ApiResponse.of_json(self.observe(self._record(req)))

    def list(self, req: ApiRequest) -> ApiResponse:
        size = page_size(req, default=100, maximum=1000)
        here = [
            r
            for r in self.store.list_jobs()
            if r["location"] == req.params["location"]
            and r["projectNumber"] == resource.project_number(req.params["project"])
        ]
        page, token = paginate(here, req.query.get("pageToken"), size)
        out: dict[str, Any] = {"batchPredictionJobs": [self.observe(r) for r in page]}
        if token:
            out["nextPageToken"] = token
        return ApiResponse.of_json(out)

    # -- change ------------------------------------------------------------------------
    def cancel(self, req: ApiRequest) -> ApiResponse:
        job_id = self._record(req)["id"]
        with self.store.lock(f"job-{job_id}"):
            record = self.store.get_job(job_id)
            if record is None:
                raise not_found(job_id)
            now = self.clock.now_ns()
            if not record.get("result"):
                record["result"] = {
                    "state": resource.CANCELLED,
                    "endNs": now,
                    "error": {"code": 1, "message": "CANCELED"},
                }
                self.store.put_job(record)
                log.info("cancelled %s", job_id)
        return ApiResponse.of_json({})

    def delete(self, req: ApiRequest) -> ApiResponse:
        record = self._record(req)
        with self.store.lock(f"job-{record['id']}"):
            self.store.delete_job(record["id"])
        where = f"projects/{record['projectNumber']}/locations/{record['location']}"
        return ApiResponse.of_json(
            {
                "name": f"{where}/operations/{record['id']}",
                "metadata": {
                    "@type": "type.googleapis.com/google.cloud.aiplatform.v1."
                    "DeleteOperationMetadata",
                    "genericMetadata": {"createTime": ids.rfc3339(self.clock.now_ns())},
                },
                "done": True,
                "response": {"@type": "type.googleapis.com/google.protobuf.Empty"},
            }
        )
