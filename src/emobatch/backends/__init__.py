"""Batch backends behind one small interface (see ``base.BatchBackend``).

- ``gemini``: the real Gemini Developer API through the google-genai SDK.
- ``local``: the same SDK code path, pointed at emobatch's emulator served in-process over a
  state directory, with the offline dictionary annotator behind it. Free, no key, no network.
- ``vertex``: Vertex AI batch inference from Cloud Storage (google-genai in Vertex mode and
  google-cloud-storage, Application Default Credentials; ``docs/vertex.md``).
"""

from emobatch.backends.base import BatchBackend, JobStatus, RemoteListingIncomplete
from emobatch.backends.factory import open_backend

__all__ = ["BatchBackend", "JobStatus", "RemoteListingIncomplete", "open_backend"]
