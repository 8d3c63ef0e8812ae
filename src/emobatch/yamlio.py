"""YAML reading with libyaml's C parser where PyYAML has it (the pure-Python one otherwise).

Every Snakemake job is a fresh process that reads the configuration, its schema, the codebook
and the model catalogue; with the C parser that costs milliseconds instead of a tenth of a
second per job. Both parsers are PyYAML's ``safe`` loaders: the same documents, the same types.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load``, with the C parser when it is available."""
    return yaml.load(text, Loader=SafeLoader)
