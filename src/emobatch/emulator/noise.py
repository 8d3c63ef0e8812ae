"""The "noisy responder": seeded label noise, to test agreement statistics and replicates.

With ``noise_rate`` *r* > 0, an answer's annotation is perturbed before it is shaped into
the response when ``unit_hash(noise_seed, "noise", body, replicate) < r``:
``primary_emotion`` becomes another label of the codebook (:data:`emobatch.labels.PRIMARY_LABELS`,
the eight emotions and ``neutral``) and ``sentiment`` another sentiment
(:data:`emobatch.labels.SENTIMENTS`), each picked by a second and third hash of the same
inputs. Intensities, score and rationale are left as they are.

``body`` and ``replicate`` are

- for ``generateContent``: the :func:`.replicas.body_hash` of the model and body, and the
  number of times that body had already been answered (so *k* identical calls are *k*
  replicates and may differ; a retried failed call keeps its replicate);
- for batch lines: the hash of the job's model and the line's ``request``, and the line's
  0-based position in the job's input (so identical lines of one job may differ, while
  resubmitting the same input file reproduces the same answers).

``unit_hash`` is :func:`.faults.unit_hash` (blake2b, never a random generator): the same
seed, body and replicate always give the same answer. ``noise_rate`` 0 (the default)
leaves answers exactly as the annotator coded them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emobatch.labels import PRIMARY_LABELS, SENTIMENTS

from .faults import unit_hash

__all__ = ["Noise"]


def _other(labels: tuple[str, ...], current: Any, u: float) -> str:
    choices = [label for label in labels if label != current]
    return choices[min(len(choices) - 1, int(u * len(choices)))]


@dataclass(frozen=True)
class Noise:
    """Label noise at ``rate`` (0..1) drawn with ``seed``."""

    rate: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"noise_rate must be between 0 and 1, not {self.rate}")

    @property
    def active(self) -> bool:
        return self.rate > 0

    def as_record(self) -> dict[str, Any] | None:
        """What a job record stores (``None`` when off)."""
        return {"rate": self.rate, "seed": self.seed} if self.active else None

    @classmethod
    def of_record(cls, value: Any) -> Noise:
        if not isinstance(value, dict):
            return cls()
        return cls(float(value.get("rate", 0.0)), int(value.get("seed", 0)))

    def apply(self, ann: dict[str, Any], body: str, replicate: int) -> dict[str, Any] | None:
        """The perturbed annotation, or ``None`` when this answer is left alone."""
        if not self.active or unit_hash(self.seed, "noise", body, replicate) >= self.rate:
            return None
        noisy = dict(ann)
        noisy["primary_emotion"] = _other(
            PRIMARY_LABELS,
            ann.get("primary_emotion"),
            unit_hash(self.seed, "emotion", body, replicate),
        )
        if "sentiment" in ann:
            noisy["sentiment"] = _other(
                SENTIMENTS, ann.get("sentiment"), unit_hash(self.seed, "sentiment", body, replicate)
            )
        return noisy
