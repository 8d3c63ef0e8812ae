"""The Batches API: create (file or inline source), get, list, cancel, delete.

Every answer is a long-running ``Operation`` (see :mod:`.jobs`). A job's state follows the
server's clock (:mod:`.clock`); the first request that finds a job due produces its result
exactly once, under the job's lock (:meth:`BatchesApi.materialize`). A create resolves the
model through the :class:`.models.ModelRegistry` (404 when it is not served) and stores who
answers (a routed model's successor) and the label noise in the job record.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from . import ids, jobs
from .api_errors import RPC_CODES, ApiError, file_not_found, not_found, unknown_field
from .clock import today
from .exchange import ApiRequest, ApiResponse, EmulatorConfig
from .execution import JobRunner
from .faults import job_fate
from .files_api import FilesApi, bump
from .gen_request import camel
from .models import ModelRegistry
from .paging import page_size, paginate
from .storage import atomic_write_json, read_json
from .store import Store

log = logging.getLogger("emobatch.emulator")

#: Fields of ``GenerateContentBatch`` accepted in a create request (output-only ones ignored).
BATCH_FIELDS = frozenset({
    "displayName", "inputConfig", "model", "priority", "webhookConfig", "name", "output",
    "createTime", "endTime", "updateTime", "batchStats", "state",
})  # fmt: skip


class BatchesApi:
    """Batch operations over a :class:`Store`."""

    def __init__(
        self,
        store: Store,
        config: EmulatorConfig,
        runner: JobRunner,
        files: FilesApi,
        registry: ModelRegistry,
    ) -> None:
        self.store = store
        self.config = config
        self.runner = runner
        self.files = files
        self.registry = registry
        self.clock = config.clock

    # -- batches -----------------------------------------------------------------------
    def batches_create(self, req: ApiRequest) -> ApiResponse:
        model_name = req.params["model"].removeprefix("models/")
        model = self.registry.resolve(model_name, today(self.clock))
        if model is None or "batchGenerateContent" not in model.requested.actions:
            raise ApiError(
                404,
                f"models/{model_name} is not found for API version {req.version}, or is not "
                "supported for batchGenerateContent. Call ListModels to see the list of "
                "available models and their supported methods.",
            )
        body = req.json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected an object.")
        for key in body:
            if camel(key) != "batch":
                raise unknown_field(key, "")
        raw_batch = body.get("batch")
        if not isinstance(raw_batch, dict):
            raise ApiError(400, "* BatchGenerateContentRequest.batch: batch is required")
        batch = {}
        for key, value in raw_batch.items():
            if camel(key) not in BATCH_FIELDS:
                raise unknown_field(key, "batch")
            batch[camel(key)] = value
        display_name = batch.get("displayName")
        if display_name is not None and not isinstance(display_name, str):
            raise ApiError(400, "Invalid value at 'batch.display_name' (TYPE_STRING)")
        source, count, inline = self._input(batch.get("inputConfig"))
        now = self.clock.now_ns()

        def register(c: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            c["creates_total"] += 1
            ordinal = int(c["creates_total"])
            by_name = c["creates_by_display_name"]
            by_name[display_name or ""] = by_name.get(display_name or "", 0) + 1
            fate = job_fate(
                self.config.faults,
                c,
                seed=self.config.seed,
                ordinal=ordinal,
                display_name=display_name or "",
            )
            return ordinal, fate

        ordinal, fate = self.store.update_counters(register)
        batch_id = ids.batch_id(self.config.seed, ordinal, display_name or "")
        while self.store.get_batch(batch_id) is not None:  # another seed reused the ordinal
            batch_id = ids.batch_id(self.config.seed, ordinal, f"{display_name}:{batch_id}")
        record = jobs.new_record(
            batch_id=batch_id,
            ordinal=ordinal,
            display_name=display_name,
            model=f"models/{model_name}",
            created_ns=now,
            latency_s=float(self.config.latency_seconds),
            source=source,
            request_count=count,
            fate=fate,
        )
        record["answeredBy"] = model.answering.name
        noise = self.config.noise.as_record()
        if noise is not None:
            record["noise"] = noise
        if inline is not None:
            atomic_write_json(self.store.inline_requests_path(batch_id), inline)
        self.store.put_batch(record)
        log.info("created %s (%s, %d requests)", batch_id, display_name or "-", count)
        return ApiResponse.of_json(jobs.operation(record, state=jobs.PENDING, since_ns=now))

    def _input(self, config: Any) -> tuple[dict[str, Any], int, list[dict[str, Any]] | None]:
        if not isinstance(config, dict):
            raise ApiError(
                400, "* BatchGenerateContentRequest.batch.input_config: input_config is required"
            )
        cfg = {}
        for key, value in config.items():
            if camel(key) not in ("fileName", "requests"):
                raise unknown_field(key, "batch.input_config")
            cfg[camel(key)] = value
        if ("fileName" in cfg) == ("requests" in cfg):
            raise ApiError(
                400,
                "* BatchGenerateContentRequest.batch.input_config: exactly one of file_name "
                "or requests must be set",
            )
        if "fileName" in cfg:
            name = str(cfg["fileName"])
            fid = name.removeprefix("files/")
            rec = self.files.live_file(fid)
            if rec is None:
                raise file_not_found(fid)
            return {"fileName": f"files/{fid}"}, int(rec.get("lineCount") or 0), None
        wrapper = cfg["requests"]
        items = wrapper.get("requests") if isinstance(wrapper, dict) else None
        if isinstance(wrapper, dict):
            for key in wrapper:
                if key != "requests":
                    raise unknown_field(key, "batch.input_config.requests")
        if not isinstance(items, list) or not items:
            raise ApiError(
                400,
                "* BatchGenerateContentRequest.batch.input_config.requests.requests: at least "
                "one request is required",
            )
        inline = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ApiError(400, f"Invalid value at 'batch.input_config.requests.requests[{i}]'")
            for key in item:
                if key not in ("request", "metadata"):
                    raise unknown_field(key, f"batch.input_config.requests.requests[{i}]")
            inline.append({"request": item.get("request"), "metadata": item.get("metadata")})
        return {"inline": True}, len(inline), inline

    def _observe(self, record: dict[str, Any], polls: int) -> dict[str, Any]:
        """The Operation for ``record`` now, producing its result first if it is due."""
        now = self.clock.now_ns()
        if not record.get("result"):
            state, since = jobs.scheduled_state(record, now, polls)
            if state not in jobs.TERMINAL:
                return jobs.operation(record, state=state, since_ns=since)
            record = self.materialize(record["id"], polls)
            if not record.get("result"):
                state, since = jobs.scheduled_state(record, self.clock.now_ns(), polls)
                return jobs.operation(record, state=state, since_ns=since)
        result = record["result"]
        inline = None
        if result.get("inline") and result["state"] == jobs.SUCCEEDED:
            inline = read_json(self.store.inline_responses_path(record["id"])) or []
        return jobs.operation(
            record, state=result["state"], since_ns=result["endNs"], inline_responses=inline
        )

    def materialize(self, batch_id: str, polls: int) -> dict[str, Any]:
        """Store the job's result exactly once (under the job lock)."""
        with self.store.lock(f"batch-{batch_id}"):
            record = self.store.get_batch(batch_id)
            if record is None:
                raise not_found()
            if record.get("result"):
                return record
            now = self.clock.now_ns()
            state, since = jobs.scheduled_state(record, now, polls)
            if state not in jobs.TERMINAL:
                return record
            fired: Counter[str] = Counter()
            if state == jobs.SUCCEEDED:
                try:
                    result, fired = self.runner.run(record, now)
                except Exception as exc:  # keep the job retryable: answer 500, store nothing
                    log.exception("output generation failed for %s", batch_id)
                    raise ApiError(
                        500, f"The emulator could not produce the job's output: {exc}"
                    ) from exc
            elif state == jobs.FAILED:
                message = (record.get("fate") or {}).get("message") or "Batch job failed."
                result = {
                    "state": state,
                    "endNs": since,
                    "error": {"code": RPC_CODES["INTERNAL"], "message": message},
                }
            else:  # EXPIRED
                result = {
                    "state": state,
                    "endNs": since,
                    "error": {
                        "code": RPC_CODES["DEADLINE_EXCEEDED"],
                        "message": "Batch job expired: it was pending or running for more "
                        "than 48 hours.",
                    },
                }
            record["result"] = result
            self.store.put_batch(record)
        if fired:

            def count(c: dict[str, Any]) -> None:
                for kind, n in fired.items():
                    bump(c["faults_fired"], kind, n)

            self.store.update_counters(count)
        log.info("%s reached %s", batch_id, record["result"]["state"])
        return record

    def _polls(self, batch_id: str) -> int:
        return int(self.store.read_counters()["polls"].get(batch_id, 0))

    def batches_get(self, req: ApiRequest) -> ApiResponse:
        record = self.store.get_batch(req.params["batch_id"])
        if record is None:
            raise not_found()
        return ApiResponse.of_json(self._observe(record, req.poll or self._polls(record["id"])))

    def batches_list(self, req: ApiRequest) -> ApiResponse:
        size = page_size(req, default=50, maximum=1000)
        page, token = paginate(self.store.list_batches(), req.query.get("pageToken"), size)
        polls = self.store.read_counters()["polls"] if page else {}
        out: dict[str, Any] = {}
        if page:
            out["operations"] = [self._observe(r, int(polls.get(r["id"], 0))) for r in page]
        if token:
            out["nextPageToken"] = token
        return ApiResponse.of_json(out)

    def batches_cancel(self, req: ApiRequest) -> ApiResponse:
        batch_id = req.params["batch_id"]
        with self.store.lock(f"batch-{batch_id}"):
            record = self.store.get_batch(batch_id)
            if record is None:
                raise not_found()
            now = self.clock.now_ns()
            state, _ = jobs.scheduled_state(record, now, self._polls(batch_id))
            if not record.get("result") and state not in jobs.TERMINAL:
                record["result"] = {
                    "state": jobs.CANCELLED,
                    "endNs": now,
                    "error": {
                        "code": RPC_CODES["CANCELLED"],
                        "message": "Batch job was cancelled.",
                    },
                }
                self.store.put_batch(record)
                log.info("cancelled %s", batch_id)
        return ApiResponse.of_json({})

    def batches_delete(self, req: ApiRequest) -> ApiResponse:
        batch_id = req.params["batch_id"]
        with self.store.lock(f"batch-{batch_id}"):
            if not self.store.delete_batch(batch_id):
                raise not_found()
        log.info("deleted %s", batch_id)
        return ApiResponse.of_json({})
