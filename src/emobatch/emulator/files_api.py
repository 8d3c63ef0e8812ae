"""The Files API: resumable uploads, get, list, delete and download.

Uploads follow Google's resumable protocol: ``start`` answers an absolute session URL
built from the request's ``Host`` header; chunks must arrive at the expected
``X-Goog-Upload-Offset``; ``upload, finalize`` stores the file and answers ``{"file": File}``.
Bytes go to ``uploads/<id>.part`` and are renamed into ``blobs/`` on finalize, when the
file's sha256 and line count are recorded (computed while chunks arrive when the same
process saw every chunk, otherwise by one pass over the file). An unsupported MIME type is
refused at the start (:mod:`.mime`).

``File.uri`` and ``downloadUri`` have the real service's scheme, host and path
(``https://generativelanguage.googleapis.com/v1beta/files/<id>``), so google-genai's
``t_file_name(file.uri)`` finds the id; the SDK never fetches them (downloads go to
``{base_url}/{ver}/files/<id>:download``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from emobatch.atomic import fsync_dir

from . import ids
from .api_errors import ApiError, file_not_found
from .exchange import ApiRequest, ApiResponse, EmulatorConfig
from .execution import FILE_TTL_NS
from .faults import long_result_file_ids, mime_rejection
from .gen_request import camel
from .mime import is_supported
from .paging import page_size, paginate
from .store import Store
from .upload_digest import UploadDigest

log = logging.getLogger("emobatch.emulator")

#: Chunk size the SDK uses (advertised in ``X-Goog-Upload-Chunk-Granularity``).
CHUNK_GRANULARITY = 8 * 1024 * 1024
#: Scheme and host of the real service, used in ``File.uri`` / ``downloadUri``.
PUBLIC_BASE = "https://generativelanguage.googleapis.com"


class FilesApi:
    """Files operations over a :class:`Store`."""

    def __init__(self, store: Store, config: EmulatorConfig) -> None:
        self.store = store
        self.config = config
        self.clock = config.clock
        # running hashes of this process's open upload sessions (an optimisation only)
        self.digests: dict[str, UploadDigest] = {}

    # -- files: rendering --------------------------------------------------------------
    def file_json(self, rec: dict[str, Any], req: ApiRequest) -> dict[str, Any]:
        """The REST ``File`` resource (camelCase, int64 as string)."""
        fid = rec["id"]
        out: dict[str, Any] = {"name": f"files/{fid}"}
        if rec.get("displayName"):
            out["displayName"] = rec["displayName"]
        out.update(
            {
                "mimeType": rec["mimeType"],
                "sizeBytes": str(rec["sizeBytes"]),
                "createTime": ids.rfc3339(rec["createNs"]),
                "updateTime": ids.rfc3339(rec["updateNs"]),
                "expirationTime": ids.rfc3339(rec["expireNs"]),
                "sha256Hash": rec["sha256"],
                "uri": f"{PUBLIC_BASE}/{req.version}/files/{fid}",
            }
        )
        if rec.get("source") == "GENERATED":
            out["downloadUri"] = (
                f"{PUBLIC_BASE}/download/{req.version}/files/{fid}:download?alt=media"
            )
        out["state"] = "ACTIVE"
        out["source"] = rec.get("source", "UPLOADED")
        return out

    def live_file(self, file_id: str) -> dict[str, Any] | None:
        """The file record, or ``None`` if missing or past its expiration time."""
        rec = self.store.get_file(file_id)
        if rec is None or rec.get("expireNs", 0) < self.clock.now_ns():
            return None
        return rec

    def quirk(self, file_id: str, method: str) -> None:
        """The ``long_result_file_id`` fault: refuse ids longer than 40 characters."""
        if len(file_id) > ids.MAX_FILE_ID_LENGTH and long_result_file_ids(self.config.faults):
            self.store.update_counters(lambda c: bump(c["faults_fired"], "long_result_file_id"))
            raise ApiError(
                400,
                f"* {method}.name: File ID (name excluding 'files/') cannot be more than "
                f"{ids.MAX_FILE_ID_LENGTH} characters.",
            )

    # -- uploads -----------------------------------------------------------------------
    def upload_start(self, req: ApiRequest) -> ApiResponse:
        if (req.header("x-goog-upload-protocol") or "").lower() != "resumable" or (
            req.header("x-goog-upload-command") or ""
        ).lower() != "start":
            raise ApiError(
                400,
                "Only resumable uploads are supported: send X-Goog-Upload-Protocol: resumable "
                "and X-Goog-Upload-Command: start.",
            )
        body = req.json_body()
        meta = body.get("file") if isinstance(body, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        file_meta = {camel(k): v for k, v in meta.items()}
        display_name = file_meta.get("displayName")
        mime = (
            req.header("x-goog-upload-header-content-type")
            or file_meta.get("mimeType")
            or "application/octet-stream"
        )
        size_text = req.header("x-goog-upload-header-content-length") or file_meta.get("sizeBytes")
        try:
            size = int(size_text) if size_text is not None else None
        except ValueError:
            raise ApiError(400, f"Invalid upload size {size_text!r}.") from None
        wanted = file_meta.get("name")
        if wanted:
            wanted = str(wanted).removeprefix("files/")
            if not ids.is_valid_file_id(wanted):
                raise ApiError(
                    400,
                    f"* CreateFileRequest.file.name: Invalid file name 'files/{wanted}': ids "
                    "are up to 40 lowercase letters, digits or dashes, not starting or "
                    "ending with a dash.",
                )
            if self.store.get_file(wanted) is not None:
                raise ApiError(409, f"File files/{wanted} already exists.")
        rejection = mime_rejection(self.config.faults, str(mime))
        if rejection is not None:
            self.store.update_counters(lambda c: bump(c["faults_fired"], "reject_mime_type"))
        if rejection == "start" or not is_supported(str(mime)):
            raise ApiError(400, f"Unsupported MIME type: {mime}")

        def open_session(c: dict[str, Any]) -> int:
            c["upload_starts"] += 1
            return int(c["upload_starts"])

        ordinal = self.store.update_counters(open_session)
        file_id = wanted or ids.file_id(self.config.seed, ordinal, display_name or "")
        upload = ids.upload_id()
        self.store.put_upload(
            {
                "uploadId": upload,
                "fileId": file_id,
                "displayName": display_name,
                "mimeType": str(mime),
                "size": size,
                "createdNs": self.clock.now_ns(),
                "rejectAtFinalize": rejection == "finalize",
            }
        )
        self.store.upload_part_path(upload).touch()
        self.digests[upload] = UploadDigest()
        url = f"{req.base}/upload/{req.version}/files?upload_id={upload}&upload_protocol=resumable"
        return ApiResponse(
            headers={
                "X-Goog-Upload-Status": "active",
                "X-Goog-Upload-URL": url,
                "X-Goog-Upload-Control-URL": url,
                "X-Goog-Upload-Chunk-Granularity": str(CHUNK_GRANULARITY),
            }
        )

    def upload_chunk(self, req: ApiRequest) -> ApiResponse:
        upload = req.query.get("upload_id", "")
        session = self.store.get_upload(upload)
        if session is None:
            raise ApiError(404, "Upload session not found or already finalized.")
        commands = {
            c.strip().lower() for c in (req.header("x-goog-upload-command") or "").split(",")
        }
        part = self.store.upload_part_path(upload)
        with self.store.lock(f"upload-{upload}"):
            if self.store.get_upload(upload) is None:
                raise ApiError(404, "Upload session not found or already finalized.")
            received = part.stat().st_size
            if "cancel" in commands:
                self.store.delete_upload(upload)
                self.digests.pop(upload, None)
                return ApiResponse(headers={"X-Goog-Upload-Status": "cancelled"})
            if "query" in commands:
                return ApiResponse(
                    headers={
                        "X-Goog-Upload-Status": "active",
                        "X-Goog-Upload-Size-Received": str(received),
                    }
                )
            if not commands & {"upload", "finalize"}:
                raise ApiError(400, "X-Goog-Upload-Command must be upload, finalize or both.")
            if "upload" in commands:
                offset_text = req.header("x-goog-upload-offset")
                if offset_text is None or not offset_text.strip().isdigit():
                    raise ApiError(400, "X-Goog-Upload-Offset is required for upload commands.")
                if int(offset_text) != received:
                    raise ApiError(
                        400,
                        f"X-Goog-Upload-Offset {offset_text} does not match the {received} "
                        "bytes received so far.",
                        headers={
                            "X-Goog-Upload-Status": "active",
                            "X-Goog-Upload-Size-Received": str(received),
                        },
                    )
                if req.body_stream is None:
                    raise ApiError(400, "Upload chunks need a request body.")
                stream, length = req.body_stream()
                limit = session.get("size")
                if limit is not None and received + length > limit:
                    raise ApiError(
                        400,
                        f"Upload exceeds the declared size of {limit} bytes "
                        f"({received} + {length}).",
                    )
                digest = self.digests.get(upload)
                if digest is None or digest.size != received:
                    digest = None  # another process took earlier chunks: rehash at the end
                with open(part, "ab") as fh:
                    remaining = length
                    while remaining > 0:
                        block = stream.read(min(remaining, 1 << 20))
                        if not block:
                            raise ApiError(400, "Request body ended before Content-Length bytes.")
                        fh.write(block)
                        if digest is not None:
                            digest.update(block)
                        remaining -= len(block)
                received += length
            if "finalize" not in commands:
                return ApiResponse(headers={"X-Goog-Upload-Status": "active"})
            return self._finalize(req, session, part, received)

    def _finalize(
        self, req: ApiRequest, session: dict[str, Any], part: Path, received: int
    ) -> ApiResponse:
        declared = session.get("size")
        if declared is not None and received != declared:
            raise ApiError(
                400, f"Upload finalized after {received} of the declared {declared} bytes."
            )
        upload = session["uploadId"]
        if session.get("rejectAtFinalize"):
            self.store.delete_upload(upload)
            err = ApiError(400, f"Unsupported MIME type: {session['mimeType']}")
            return ApiResponse.of_json(err.envelope(), headers={"X-Goog-Upload-Status": "final"})
        digest = self.digests.pop(upload, None)
        if digest is None or digest.size != received:
            digest = UploadDigest.of_file(part)
        sha, lines = digest.result()
        file_id = session["fileId"]
        if self.store.get_file(file_id) is not None:
            raise ApiError(409, f"File files/{file_id} already exists.")
        with open(part, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(part, self.store.blob_path(file_id))
        fsync_dir(self.store.blobs_dir)
        now = self.clock.now_ns()
        rec = {
            "format": 1,
            "id": file_id,
            "displayName": session.get("displayName"),
            "mimeType": session["mimeType"],
            "sizeBytes": received,
            "createNs": now,
            "updateNs": now,
            "expireNs": now + FILE_TTL_NS,
            "sha256": sha,
            "source": "UPLOADED",
            "lineCount": lines,
        }
        self.store.put_file(rec)
        self.store.delete_upload(upload)
        self.store.update_counters(lambda c: bump(c, "uploads"))
        return ApiResponse.of_json(
            {"file": self.file_json(rec, req)}, headers={"X-Goog-Upload-Status": "final"}
        )

    # -- files -------------------------------------------------------------------------
    def files_get(self, req: ApiRequest) -> ApiResponse:
        fid = req.params["file_id"]
        self.quirk(fid, "GetFileRequest")
        rec = self.live_file(fid)
        if rec is None:
            raise file_not_found(fid)
        return ApiResponse.of_json(self.file_json(rec, req))

    def files_list(self, req: ApiRequest) -> ApiResponse:
        size = page_size(req, default=10, maximum=100)
        now = self.clock.now_ns()
        recs = [r for r in self.store.list_files() if r.get("expireNs", 0) >= now]
        page, token = paginate(recs, req.query.get("pageToken"), size)
        out: dict[str, Any] = {}
        if page:
            out["files"] = [self.file_json(r, req) for r in page]
        if token:
            out["nextPageToken"] = token
        return ApiResponse.of_json(out)

    def files_delete(self, req: ApiRequest) -> ApiResponse:
        fid = req.params["file_id"]
        self.quirk(fid, "DeleteFileRequest")
        if self.live_file(fid) is None or not self.store.delete_file(fid):
            raise file_not_found(fid)
        return ApiResponse.of_json({})

    def files_download(self, req: ApiRequest) -> ApiResponse:
        fid = req.params["file_id"]
        rec = self.live_file(fid)
        path = self.store.blob_path(fid)
        if rec is None or not path.exists():
            raise file_not_found(fid)
        return ApiResponse(file_path=path, content_type="application/octet-stream")


def bump(mapping: dict[str, Any], key: str, by: int = 1) -> None:
    """Add ``by`` to a counter in a counters mapping."""
    mapping[key] = mapping.get(key, 0) + by
