"""RTT full extract: file names, the 121-column layout, the full April 2026 extract loaded through
the loader's fast COPY path, known answers from real rows, and every bad-input rule.

tests/data/rtt/ holds the full extract exactly as NHS England publishes it (180,781 rows, 3.4 MB
zipped, with its __MACOSX/ entry); sample_data/rtt/ holds the rows of 25 trusts of the same file
in the same layout (see tests/data/rtt/README.md).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest

from conftest import SAMPLES, _create_database, _drop_database
from oversight import loader, warehouse
from oversight.errors import BadInputError
from oversight.sources import get_source
from oversight.sources.rtt import COUNT_COLUMNS, RAW_COLUMNS, RTT_FULL_EXTRACT

RTT = get_source("rtt")
NAME = "20260430-RTT-April-2026-full-extract.csv.zip"
CSV_NAME = "20260430-RTT-April-2026-full-extract.csv"
FULL = Path(__file__).resolve().parent / "data" / "rtt" / NAME
SAMPLE = SAMPLES / "rtt" / NAME

# Manchester University NHS FT (R0A), April 2026, Part_2 (incomplete pathways), C_999 / Total rows,
# summed over its 107 commissioners, hand-checked against the published file (asserted on the
# loaded rows in test_full_extract_loads_through_the_fast_path, with C_999 = the treatment functions):
#   waiting list (Total All)      168,774
#   within 18 weeks (bands 0-18)  106,261  -> 106,261 / 168,774 = 62.96 %
#   over 52 weeks (bands 52+)       1,487  ->   1,487 / 168,774 =  0.88 %
# e.g. its largest commissioner, 14L (line 66996): 69,112 waiting, 44,815 within 18 weeks, 532 over 52.
R0A = {"commissioner_rows": 107, "waiting_list": 168_774, "within_18_weeks": 106_261, "over_52_weeks": 1_487}


def query(target, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        return conn.execute(sql, params).fetchall()


# ---- file names and layout -----------------------------------------------------------------------
def test_file_name_gives_month_and_revision() -> None:
    info = RTT.file_info(Path(NAME))
    assert (info.period, info.revision) == (date(2026, 4, 1), 0)
    assert RTT.file_info(Path("20250831-RTT-August-2025-full-extract-revised.csv.zip")).revision == 1
    assert RTT.file_info(Path("20250831-RTT-August-2025-v2-full-extract.csv.zip")).revision == 1
    assert RTT.file_info(Path("20250831-RTT-August-2025-full-extract-v3.csv.zip")).revision == 2
    assert RTT.file_pattern.search(NAME) and not RTT.file_pattern.search(CSV_NAME)
    with pytest.raises(BadInputError) as not_rtt:
        RTT.file_info(Path("Monthly-AE-April-2026.csv"))
    assert not_rtt.value.rule == "file_name_matches_publisher"
    # published on the second Thursday of the month after next: a run in June 2026 loads April
    assert RTT.expected_period(date(2026, 6, 11)) == date(2026, 4, 1)


def test_layout_has_121_columns_with_postgres_names() -> None:
    assert len(RTT_FULL_EXTRACT.columns) == 121 and len(COUNT_COLUMNS) == 108
    assert RTT_FULL_EXTRACT.columns[13] == ("Gt 00 To 01 Weeks SUM 1", "gt_00_to_01_weeks")
    assert RTT_FULL_EXTRACT.columns[112] == ("Gt 99 To 100 Weeks SUM 1", "gt_99_to_100_weeks")
    assert RTT_FULL_EXTRACT.columns[117] == ("Gt 104 Weeks SUM 1", "gt_104_weeks")
    assert RAW_COLUMNS[-3:] == ("total", "patients_with_unknown_clock_start_date", "total_all")
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", c) for c in RAW_COLUMNS)
    # the header of the real file, in order
    with zipfile.ZipFile(FULL) as archive:
        header = archive.open(CSV_NAME).readline().decode().rstrip("\r\n").split(",")
    assert header == [h for h, _ in RTT_FULL_EXTRACT.columns]


# ---- the full extract through the loader ----------------------------------------------------------
def test_full_extract_loads_through_the_fast_path(fresh_db, landing, settings_for) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    with warehouse.connect(fresh_db) as conn:
        result = loader.load_file(conn, RTT, FULL, settings)
    assert (result.status, result.rows_loaded, result.period) == ("loaded", 180_781, "2026-04-01")
    assert query(
        fresh_db, "select count(*), min(_row_number), max(_row_number) from raw.rtt_full_extract"
    ) == [(180_781, 2, 180_782)]
    # line 566: a provider name with a comma inside quotes; blank Total and unknown clock start
    row = query(
        fresh_db,
        "select _source_file, _period, _layout, provider_org_code, provider_org_name, commissioner_org_code,"
        " rtt_part_type, treatment_function_code, gt_00_to_01_weeks, gt_03_to_04_weeks, gt_35_to_36_weeks,"
        " gt_104_weeks, total, patients_with_unknown_clock_start_date, total_all, length(_file_sha256)"
        " from raw.rtt_full_extract where _row_number = 566",
    )
    assert row == [
        (NAME, date(2026, 4, 1), "rtt_full_extract_121", "NT204", "NUFFIELD HEALTH, BRENTWOOD HOSPITAL",
         "13Q", "Part_2", "C_999", "0", "1", "1", "0", None, None, "2", 64)
    ]  # fmt: skip
    # the same R0A answers from the loaded rows, and C_999 = sum of treatment functions in SQL
    r0a = query(
        fresh_db,
        "select count(*), sum(total_all::int), sum("
        + "+".join(f"coalesce({c}::int, 0)" for c in RAW_COLUMNS[13:31])
        + "), sum("
        + "+".join(f"coalesce({c}::int, 0)" for c in RAW_COLUMNS[65:118])
        + ") "
        "from raw.rtt_full_extract where provider_org_code = 'R0A' and rtt_part_type = 'Part_2' "
        "and treatment_function_code = 'C_999'",
    )
    assert r0a == [tuple(R0A.values())]
    assert query(
        fresh_db,
        "select count(*) from (select provider_org_code, commissioner_org_code,"
        " sum(total_all::int) filter (where treatment_function_code = 'C_999') as c999,"
        " sum(total_all::int) filter (where treatment_function_code <> 'C_999') as functions"
        " from raw.rtt_full_extract where rtt_part_type = 'Part_2' group by 1, 2) t"
        " where c999 is distinct from functions",
    ) == [(0,)]
    # planner statistics only on the columns models filter and join on (the loader ANALYZEs after a load)
    assert query(
        fresh_db,
        "select attname::text, attstattarget from pg_attribute"
        " where attrelid = 'raw.rtt_full_extract'::regclass"
        " and attname in ('provider_org_code', 'gt_00_to_01_weeks', '_file_sha256') order by 1",
    ) == [("_file_sha256", 0), ("gt_00_to_01_weeks", 0), ("provider_org_code", 20)]
    # the __MACOSX/ resource fork in the ZIP was skipped: one CSV, every line of it, nothing else
    with zipfile.ZipFile(FULL) as archive:
        assert [i.filename for i in archive.infolist()] == [CSV_NAME, f"__MACOSX/._{CSV_NAME}"]


def test_fast_path_loads_what_the_row_by_row_reader_reads(fresh_db, landing, settings_for) -> None:  # noqa: ANN001
    """The sample (25 trusts, 10,360 rows) through copy_file, compared cell by cell with rows()."""
    settings = settings_for(landing)
    with warehouse.connect(fresh_db) as conn:
        assert loader.load_file(conn, RTT, SAMPLE, settings).rows_loaded == 10_360
        loaded = {
            r[0]: r[1:]
            for r in conn.execute(f"select _row_number, {', '.join(RAW_COLUMNS)} from raw.rtt_full_extract")
        }
    read = {
        line: tuple(v[c] or None for c in RAW_COLUMNS)
        for line, _, v in RTT.rows(SAMPLE, RTT.file_info(SAMPLE))
    }
    assert len(read) == 10_360 and read == loaded


# ---- bad input: each names the file, the row and the rule; nothing is loaded -----------------------
@pytest.fixture(scope="module")
def bad_db(server_admin):  # noqa: ANN001, ANN201
    target = _create_database(server_admin, "oversight_rtt")
    yield target
    _drop_database(server_admin, target.dbname)


def sample_lines(count: int = 300) -> list[bytes]:
    """The first lines (header = line 1) of the sample CSV, CRLF-terminated as published."""
    with zipfile.ZipFile(SAMPLE) as archive, archive.open(CSV_NAME) as raw:
        return [next(raw) for _ in range(count)]


def write_zip(folder: Path, members: dict[str, bytes], name: str = NAME) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def variant(folder: Path, edit, name: str = NAME) -> Path:  # noqa: ANN001
    """A zip in the publisher's layout (CSV + __MACOSX entry) whose CSV lines are edited."""
    lines = edit(sample_lines())
    return write_zip(folder, {CSV_NAME: b"".join(lines), f"__MACOSX/._{CSV_NAME}": b"\x00\x05\x16\x07"}, name)


def set_cell(lines: list[bytes], line: int, column: str, value: str) -> list[bytes]:
    cells = next(csv.reader([lines[line - 1].decode()]))
    cells[RAW_COLUMNS.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    lines[line - 1] = out.getvalue().encode()
    return lines


def assert_quarantined(target, settings, path: Path, row: int | None, rule: str, detail: str = "") -> None:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        result = loader.load_file(conn, RTT, path, settings)
        loaded = conn.execute(
            "select count(*) from raw.rtt_full_extract where _file_sha256 = %s", (loader.sha256_of(path),)
        ).fetchone()[0]
    where = f"{path.name}, row {row}" if row is not None else path.name
    assert result.status == "quarantined", result
    assert result.message.startswith(f"{where}: rule '{rule}' broken"), result.message
    assert detail in result.message
    assert loaded == 0


def test_a_corrupt_zip_is_quarantined_with_its_reason(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    path = tmp_path / "a" / NAME
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    assert_quarantined(bad_db, settings, path, None, "zip_is_readable", "not a readable ZIP archive")
    reason = json.loads((settings.quarantine_dir / "rtt" / f"{NAME}.reason.txt").read_text())
    assert (reason["file"], reason["row"], reason["rule"]) == (NAME, None, "zip_is_readable")


def test_a_truncated_zip_is_not_readable(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    whole = variant(tmp_path / "whole", lambda lines: lines).read_bytes()
    path = tmp_path / "cut" / NAME
    path.parent.mkdir()
    path.write_bytes(whole[: len(whole) // 2])  # the central directory at the end is gone
    assert_quarantined(bad_db, settings_for(landing), path, None, "zip_is_readable")


def test_corrupt_compressed_data_is_not_readable(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    data = bytearray(variant(tmp_path / "whole", lambda lines: lines).read_bytes())
    for i in range(2000, 2040):  # inside the deflated CSV: a bad block or a CRC mismatch
        data[i] ^= 0xFF
    path = tmp_path / "flipped" / NAME
    path.parent.mkdir()
    path.write_bytes(bytes(data))
    assert_quarantined(bad_db, settings_for(landing), path, None, "zip_is_readable")


def test_a_zip_with_two_csvs_is_rejected(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    csv_bytes = b"".join(sample_lines())
    path = write_zip(tmp_path, {CSV_NAME: csv_bytes, "copy.csv": csv_bytes})
    assert_quarantined(bad_db, settings_for(landing), path, None, "zip_has_one_csv", "holds 2 CSV files")


def test_a_zip_holding_only_the_macosx_entry_has_no_csv(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    path = write_zip(tmp_path, {f"__MACOSX/._{CSV_NAME}": b"\x00\x05\x16\x07"})
    assert_quarantined(bad_db, settings_for(landing), path, None, "zip_has_one_csv", "holds 0 CSV files")


def test_a_header_with_a_missing_column_names_it(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    drop = RAW_COLUMNS.index("gt_50_to_51_weeks")

    def edit(lines: list[bytes]) -> list[bytes]:
        rows = list(csv.reader(line.decode() for line in lines))
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows([r[:drop] + r[drop + 1 :] for r in rows])
        return [out.getvalue().encode()]

    path = variant(tmp_path, edit)
    assert_quarantined(
        bad_db, settings_for(landing), path, 1, "header_matches_a_known_layout",
        "missing columns: ['gt 50 to 51 weeks sum 1']; unexpected columns: none",
    )  # fmt: skip


def test_a_header_with_an_unexpected_column_names_it(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    def edit(lines: list[bytes]) -> list[bytes]:
        lines[0] = lines[0].replace(b"Treatment Function Name,", b"Treatment Function Group,")
        return lines

    path = variant(tmp_path, edit)
    assert_quarantined(
        bad_db, settings_for(landing), path, 1, "header_matches_a_known_layout",
        "missing columns: ['treatment function name']; unexpected columns: ['treatment function group']",
    )  # fmt: skip


def test_a_negative_count_names_row_and_column(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    path = variant(tmp_path, lambda lines: set_cell(lines, 151, "gt_17_to_18_weeks", "-3"))
    assert_quarantined(
        bad_db,
        settings_for(landing),
        path,
        151,
        "count_is_not_negative",
        "gt_17_to_18_weeks = '-3' is negative",
    )


def test_a_count_that_is_not_a_number(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    path = variant(tmp_path, lambda lines: set_cell(lines, 42, "total_all", "12a"))
    assert_quarantined(bad_db, settings_for(landing), path, 42, "count_is_a_number", "total_all = '12a'")


def test_a_period_that_is_not_the_file_names_month(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    path = variant(tmp_path, lambda lines: set_cell(lines, 200, "period", "RTT-March-2026"))
    assert_quarantined(
        bad_db, settings_for(landing), path, 200, "period_matches_file_name",
        "Period 'RTT-March-2026' is March 2026, the file name says April 2026",
    )  # fmt: skip


def test_a_file_name_whose_date_is_not_in_its_month(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    path = variant(tmp_path, lambda lines: lines, name="20260331-RTT-April-2026-full-extract.csv.zip")
    assert RTT.file_info(path).period == date(2026, 4, 1)  # discovered and sorted; rejected at load
    assert_quarantined(
        bad_db,
        settings_for(landing),
        path,
        None,
        "file_name_matches_publisher",
        "20260331 is not in April 2026",
    )


def test_a_period_in_the_future(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    def edit(lines: list[bytes]) -> list[bytes]:
        return [line.replace(b"RTT-April-2026,", b"RTT-December-2099,") for line in lines]

    path = variant(tmp_path, edit, name="20991231-RTT-December-2099-full-extract.csv.zip")
    assert_quarantined(bad_db, settings_for(landing), path, None, "period_not_in_future")


def test_an_unknown_part_type(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    path = variant(tmp_path, lambda lines: set_cell(lines, 77, "rtt_part_type", "Part_4"))
    assert_quarantined(bad_db, settings_for(landing), path, 77, "rtt_part_type_is_known", "'Part_4'")


def test_a_truncated_csv_inside_the_zip(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    def edit(lines: list[bytes]) -> list[bytes]:
        return [*lines[:-1], lines[-1][:200]]  # the last record stops after 200 bytes, no line end

    path = variant(tmp_path, edit)
    assert_quarantined(
        bad_db, settings_for(landing), path, 300, "row_fits_header", "fields; the header has 121"
    )


def test_a_row_with_a_field_too_few(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    def edit(lines: list[bytes]) -> list[bytes]:
        lines[59] = lines[59].rsplit(b",", 1)[0] + b"\r\n"  # line 60 loses its Total All
        return lines

    path = variant(tmp_path, edit)
    assert_quarantined(
        bad_db, settings_for(landing), path, 60, "row_fits_header", 'missing data for column "total_all"'
    )


def test_a_quote_inside_an_unquoted_field(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    def edit(lines: list[bytes]) -> list[bytes]:
        lines[30] = lines[30].replace(b"SHEFFIELD", b'SHEF"FI"ELD', 1)  # COPY would read SHEFFIELD
        return lines

    path = variant(tmp_path, edit)
    assert_quarantined(
        bad_db, settings_for(landing), path, 31, "csv_is_well_formed", "a quote inside an unquoted"
    )


def test_text_that_is_not_utf8(bad_db, tmp_path, landing, settings_for) -> None:  # noqa: ANN001
    def edit(lines: list[bytes]) -> list[bytes]:  # SHEFFIELD CHILDREN\x92S, a Windows-1252 apostrophe
        lines[119] = lines[119].replace(b"CHILDREN'S", b"CHILDREN\x92S", 1)
        return lines

    path = variant(tmp_path, edit)
    assert_quarantined(bad_db, settings_for(landing), path, 120, "text_is_utf8", "byte b'\\x92'")


# ---- unusual but valid input ---------------------------------------------------------------------
def test_a_quoted_line_break_and_reordered_columns_still_load(
    fresh_db, tmp_path, landing, settings_for
) -> None:  # noqa: ANN001
    """A name holding a line break (one record on lines 10-11: later rows keep their own line
    numbers) through the fast path; the same file with two columns swapped through the
    row-by-row path. Both load the same values."""
    settings = settings_for(landing)

    def line_break(lines: list[bytes]) -> list[bytes]:
        return set_cell(lines, 10, "provider_org_name", "TWO\r\nLINES")

    def swapped(lines: list[bytes]) -> list[bytes]:
        rows = [next(csv.reader([line.decode()])) for line in line_break(lines)[:20]]
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows([[r[1], r[0], *r[2:]] for r in rows])
        return [out.getvalue().encode()]

    fast = variant(tmp_path / "fast", line_break)
    slow = variant(tmp_path / "slow", swapped, name="20260430-RTT-April-2026-full-extract-revised.csv.zip")
    with warehouse.connect(fresh_db) as conn:
        assert loader.load_file(conn, RTT, fast, settings).rows_loaded == 299
        assert loader.load_file(conn, RTT, slow, settings).rows_loaded == 19
    rows = query(
        fresh_db,
        "select _source_file, _row_number, provider_org_name, provider_parent_org_code, total_all"
        " from raw.rtt_full_extract where _row_number in (10, 12) order by _load_id, _row_number",
    )
    expected = sample_lines(11)[10].decode().split(",")  # line 11 of the sample is now line 12
    assert rows == [
        (NAME, 10, "TWO\r\nLINES", rows[0][3], rows[0][4]),
        (NAME, 12, expected[4], expected[1], expected[-1].strip()),
        (slow.name, 10, "TWO\r\nLINES", rows[0][3], rows[0][4]),
        (slow.name, 12, expected[4], expected[1], expected[-1].strip()),
    ]
