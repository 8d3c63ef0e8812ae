"""Validate the LLM's codes against human coders before scaling up.

The steps, one module each (every file a module writes is documented in its docstring):

- :mod:`~emobatch.validation.sheet` (:func:`write_sheet`): a blinded, stratified sample of posts
  as a coding sheet (CSV + XLSX) and its design sidecar (``sheet.design.csv``), whose sampling
  design is in :mod:`~emobatch.validation.design`;
- :mod:`~emobatch.validation.human_codes` (:func:`read_human_codes`): the filled sheets, or one
  long file of codes, checked against the codebook;
- :mod:`~emobatch.validation.report` (:func:`validation_report`): agreement of the LLM and the
  dictionary baseline with the humans, with bootstrap intervals (statistics in
  :mod:`~emobatch.validation.stats`, :mod:`~emobatch.validation.agreement`,
  :mod:`~emobatch.validation.alttest`); :func:`render_markdown` for people;
- :mod:`~emobatch.validation.gate` (:func:`gate_verdict`): may the pipeline scale up;
- :mod:`~emobatch.validation.simulate` (:func:`simulate_coders`): simulated coders for offline
  demonstrations (not humans).
"""

from emobatch.validation.alttest import alt_test, benjamini_yekutieli
from emobatch.validation.common import ValidationDataError, model_labels_from_results
from emobatch.validation.gate import GateVerdict, gate_verdict
from emobatch.validation.human_codes import HumanCodes, read_human_codes
from emobatch.validation.markdown import render_markdown
from emobatch.validation.report import FORMAT, validation_report
from emobatch.validation.sheet import write_sheet
from emobatch.validation.simulate import simulate_coders
from emobatch.validation.stats import gwet_ac1

__all__ = [
    "FORMAT",
    "GateVerdict",
    "HumanCodes",
    "ValidationDataError",
    "alt_test",
    "benjamini_yekutieli",
    "gate_verdict",
    "gwet_ac1",
    "model_labels_from_results",
    "read_human_codes",
    "render_markdown",
    "simulate_coders",
    "validation_report",
    "write_sheet",
]
