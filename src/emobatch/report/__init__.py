"""What a researcher can look at and cite: figures, the provenance record, a methods draft.

- :mod:`~emobatch.report.figures`, :mod:`~emobatch.report.quality`,
  :mod:`~emobatch.report.agreement`: the figures of ``results/<mode>/figures/`` (PNG, grey
  scale, Hangul in a font shipped by ``koreanize-matplotlib``, see :mod:`~emobatch.report.style`),
  each returning the numbers it shows; :mod:`~emobatch.report.build` draws them all and writes
  those numbers (``figures/numbers.json``), which the report captions quote.
- :mod:`~emobatch.report.runfiles`: the run's records (sentinels, markers, ledger) read once.
- :mod:`~emobatch.report.provenance` (with :mod:`~emobatch.report.collect`):
  ``results/<mode>.provenance.json`` (``emobatch.provenance/1``).
- :mod:`~emobatch.report.methods` (text in :mod:`~emobatch.report.methods_text`):
  ``results/<mode>.methods.md``, a methods draft in English and Korean whose every number comes
  from the provenance.
- :mod:`~emobatch.report.page`: ``results/<mode>.provenance.html``, the provenance and methods
  as a page of the Snakemake report.
- :mod:`~emobatch.report.stage`: the rule bodies (called from :mod:`emobatch.workflow`).

Rules: ``workflow/rules/report.smk``; captions: ``workflow/report/*.rst``.
"""
