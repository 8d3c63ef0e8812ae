"""The R-friendly CSV conversions of emobatch.r_csv on a small table."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa

from emobatch.r_csv import RCsvWriter, for_r

TIME = "2026-11-02T08:15:00+09:00"


def _table() -> pa.Table:
    return pa.table(
        {
            "post_id": ["p1", "p2"],
            "created_at": [TIME, "yesterday"],
            "note": [TIME, None],
            "ok": [True, None],
            "analysed_at": pa.array(
                [dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.UTC)] * 2, pa.timestamp("s", tz="UTC")
            ),
        }
    )


def test_times_lose_the_offset_colon_only_in_the_columns_that_may_hold_times() -> None:
    everywhere = for_r(_table())
    assert everywhere["created_at"].to_pylist() == ["2026-11-02T08:15:00+0900", "yesterday"]
    assert everywhere["note"].to_pylist() == ["2026-11-02T08:15:00+0900", None]
    carried_only = for_r(_table(), times_in={"created_at"})
    assert carried_only["created_at"].to_pylist() == ["2026-11-02T08:15:00+0900", "yesterday"]
    assert carried_only["note"].to_pylist() == [TIME, None]  # not an input column: left alone
    assert carried_only.column_names[-1] == "analysed_at_utc"
    assert carried_only["analysed_at_utc"].to_pylist() == ["2026-12-03 07:00:00"] * 2


def test_the_csv_has_bare_booleans_and_one_header() -> None:
    out = io.BytesIO()
    writer = RCsvWriter(out, times_in={"created_at"})
    writer.write(_table())
    writer.write(_table())
    lines = out.getvalue().decode("utf-8").splitlines()
    assert lines[0] == '"post_id","created_at","note","ok","analysed_at_utc"'
    assert len(lines) == 5
    assert lines[1] == (
        '"p1","2026-11-02T08:15:00+0900","2026-11-02T08:15:00+09:00",TRUE,"2026-12-03 07:00:00"'
    )
    assert lines[2] == '"p2","yesterday",,,"2026-12-03 07:00:00"'


def test_times_are_written_value_by_value_with_nulls_and_other_zones() -> None:
    """analysed_at is formatted once per distinct value: each row still gets its own."""
    seoul = dt.timezone(dt.timedelta(hours=9))
    values = [
        dt.datetime(2026, 12, 3, 7, 0, 5, tzinfo=dt.UTC),
        None,
        dt.datetime(2026, 12, 3, 16, 0, 5, tzinfo=seoul),  # the same instant as the first
        dt.datetime(2025, 1, 31, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 3, 7, 0, 5, tzinfo=dt.UTC),
    ]
    table = pa.table({"analysed_at": pa.array(values, pa.timestamp("s", tz="Asia/Seoul"))})
    assert for_r(table)["analysed_at_utc"].to_pylist() == [
        "2026-12-03 07:00:05",
        None,
        "2026-12-03 07:00:05",
        "2025-01-31 23:59:59",
        "2026-12-03 07:00:05",
    ]
