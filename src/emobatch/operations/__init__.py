"""The operator's domain: what the ``emobatch`` commands do, importable and unit-tested.

The CLI (:mod:`emobatch.cli`) parses arguments, renders and asks for confirmation; everything
else lives here, built on the same stage functions, records and paths as the rules:

- :mod:`~emobatch.operations.inventory`: every job a project knows (sentinels, markers, ledger,
  estimates, parsed rows);
- :mod:`~emobatch.operations.job_view`: one job as the operator sees it, with the provider's
  live state;
- :mod:`~emobatch.operations.fetch`: download and process a finished job into the pipeline's
  files, under the chunk's lock;
- :mod:`~emobatch.operations.cost_report`: estimated vs actual USD per run and job;
- :mod:`~emobatch.operations.ledger_ops`: name a chunk by a sha prefix, forget an attempt;
- :mod:`~emobatch.operations.estimate_report`: a mode's cost estimate, writing nothing under
  ``results/``.

Nothing here imports :mod:`emobatch.cli`.
"""
