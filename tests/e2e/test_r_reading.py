"""The results CSV read by base R's read.csv, as a researcher without arrow would read it.

R comes from Debian's r-base-core, installed by this test where it is missing (as root with
apt-get, like the SLURM test's packages); elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.e2e.conftest import Project

R_SCRIPT = r"""
cols <- read.csv("results/pilot.columns.csv", stringsAsFactors = FALSE)
d <- read.csv("results/pilot.csv", encoding = "UTF-8", fileEncoding = "UTF-8-BOM",
              colClasses = setNames(cols$r_class, cols$column))
cat("rows", nrow(d), "\n")
for (n in c("post_id", "text", "error_reason", "text_truncated", "model_routed",
            "intensity_joy", "retry_round", "analysed_at_utc")) cat("class", n, class(d[[n]]), "\n")
t <- as.POSIXct(d$analysed_at_utc, tz = "UTC")
cat("analysed_na", sum(is.na(t)), "\n")
c <- as.POSIXct(d$created_at, format = "%Y-%m-%dT%H:%M:%S%z", tz = "UTC")
cat("created_na", sum(is.na(c)), "\n")
cat("korean", sum(grepl("[\uAC00-\uD7A3]", d$text)), "\n")
plain <- read.csv("results/pilot.csv", encoding = "UTF-8", fileEncoding = "UTF-8-BOM")
cat("plain", class(plain$text_truncated), "\n")
"""


def _rscript() -> str | None:
    found = shutil.which("Rscript")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "r-base-core"]
    if subprocess.run(install, capture_output=True, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
        subprocess.run(install, capture_output=True, env=env)
    return shutil.which("Rscript")


@pytest.mark.slow
@pytest.mark.xdist_group("pilot")
def test_base_r_reads_the_csv_with_sensible_types(pilot_built: Project) -> None:
    rscript = _rscript()
    if rscript is None:
        pytest.skip("Rscript is missing and r-base-core cannot be installed (needs root, apt-get)")
    # results/pilot.parquet (and .csv, .columns.csv) as `snakemake` wrote them; R only reads
    out = subprocess.run(
        [rscript, "-e", R_SCRIPT], cwd=pilot_built.root, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    facts = {tuple(line.split()[:2]): line.split()[2:] for line in out.stdout.splitlines()}
    assert facts[("rows", "5")] == []
    assert facts[("class", "text")] == ["character"]
    assert facts[("class", "error_reason")] == ["character"]  # empty, but not logical
    assert facts[("class", "text_truncated")] == ["logical"]
    assert facts[("class", "model_routed")] == ["logical"]
    assert facts[("class", "intensity_joy")] == ["numeric"]
    assert facts[("class", "retry_round")] == ["integer"]
    assert facts[("analysed_na", "0")] == [] and facts[("created_na", "0")] == []
    assert int(next(k[1] for k in facts if k[0] == "korean")) > 0  # Hangul survived
    assert facts[("plain", "logical")] == []  # TRUE/FALSE read as logical even without colClasses
