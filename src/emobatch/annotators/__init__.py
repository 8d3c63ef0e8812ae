"""Offline dictionary annotator: a transparent, deterministic baseline for emotion coding.

Public surface (used by the emulator's responder and by the pipeline):

- ``EMOTIONS``: Plutchik's eight basic emotions, in canonical order.
- ``Annotation``: one post's coding (primary emotion, 8 intensities, sentiment, rationale).
- ``annotate(text)`` / ``annotate_many(texts)``: code one post / many posts.
- ``MODEL_VERSION``: ``emobatch-lexicon-<version>``, reported as ``modelVersion``.

Method, scoring formula and licence of the word lists: see ``README.md`` in this package.
"""

from emobatch.annotators.annotation import Annotation
from emobatch.annotators.engine import annotate, annotate_many
from emobatch.annotators.version import LEXICON_VERSION, MODEL_VERSION
from emobatch.labels import EMOTIONS

__all__ = [
    "EMOTIONS",
    "LEXICON_VERSION",
    "MODEL_VERSION",
    "Annotation",
    "annotate",
    "annotate_many",
]
