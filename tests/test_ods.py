"""ODS organisation reference: etr vintages as history, the mapping files (A&E system mapping sheets,
DSPT 2022 hierarchy), their row rules, and dim_organisation_history built by dbt.

Real files: sample_data/ods/etr_2025-Q1.csv and the three mapping files. CONSTRUCTED:
tests/data/ods/etr_2021-Q1.csv (an older vintage rebuilt from the real files, see its README).
"""

from __future__ import annotations

import importlib.util
import shutil
from datetime import date
from pathlib import Path

import pytest

from oversight.errors import BadInputError
from oversight.sources import get_source

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_data" / "ods"
CONSTRUCTED = REPO / "tests" / "data" / "ods"
ODS = get_source("ods")
MAPPINGS = get_source("ods_mappings")
ORG_ICB = "ae_june2025_system_mapping_org_region_icb.csv"
STP_ICB = "ae_june2025_system_mapping_stp_icb_codes.csv"
DSPT = "data_DSPTmetric_20220208.csv"


def rows_of(path: Path) -> list[tuple[int, str, dict[str, str]]]:
    return list(MAPPINGS.rows(path, MAPPINGS.file_info(path)))


def variant(tmp_path: Path, name: str, edit) -> Path:  # noqa: ANN001 - edit: list[str] -> list[str]
    """A copy of a real sample file with its lines edited (line 1 = lines[0])."""
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines(keepends=True)
    target = tmp_path / name
    target.write_text("".join(edit(lines)), encoding="utf-8")
    return target


def broken(path: Path, source=MAPPINGS) -> BadInputError:  # noqa: ANN001
    with pytest.raises(BadInputError) as error:
        list(source.rows(path, source.file_info(path)))
    return error.value


# ---- the mapping files, real rows --------------------------------------------------------------
def test_mapping_files_share_the_ods_folder_with_etr_but_not_its_source(tmp_path: Path) -> None:
    (tmp_path / "ods").mkdir()
    for path in SAMPLES.iterdir():
        shutil.copy2(path, tmp_path / "ods" / path.name)
    from oversight import landing

    assert [f.name for f in landing.files_of("ods", tmp_path)] == ["etr_2025-Q1.csv"]
    # oldest period first: DSPT (2022-02-08), then the two June 2025 A&E sheets
    assert [f.name for f in landing.files_of("ods_mappings", tmp_path)] == [DSPT, ORG_ICB, STP_ICB]
    assert MAPPINGS.file_info(SAMPLES / DSPT).period == date(2022, 2, 8)
    assert MAPPINGS.file_info(SAMPLES / ORG_ICB).period == date(2025, 6, 1)


def test_dspt_hierarchy_rows_with_successors() -> None:
    rows = rows_of(SAMPLES / DSPT)
    assert len(rows) == 357  # 358 lines, header on line 1
    assert {layout for _, layout, _ in rows} == {"dspt_stp_region_2022"}
    by_code: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, _, record in rows:
        by_code.setdefault(record["org_code"], []).append((line, record))
    # RW6 Pennine Acute was split: one row per successor, otherwise identical
    assert [(r["successor_code"], r["close_date"]) for _, r in by_code["RW6"]] == [
        ("RM3", "2021-09-30"),
        ("R0A", "2021-09-30"),
    ]
    ((line, rxh),) = by_code["RXH"]
    assert (rxh["close_date"], rxh["successor_code"], rxh["stpcdh"], rxh["nhser20cdh"]) == (
        "2021-03-31", "RYR", "QNX", "Y59",
    )  # fmt: skip
    # a trust's STP is in STPCDH (STP20CDH empty); a CCG's in STP20CDH
    ((_, rxk),) = by_code["RXK"]
    assert (rxk["stpcdh"], rxk["stp20cdh"], rxk["stp20nm"]) == (
        "QUA",
        "",
        "The Black Country and West Birmingham",
    )
    ((_, ccg),) = by_code["00L"]
    assert (ccg["sector"], ccg["stp20cdh"], ccg["stpcdh"]) == ("CCG", "QHM", "")
    assert rows[0][2]["row_name"] == "1"  # the unnamed first column


def test_ae_system_mapping_sheets() -> None:
    org = rows_of(SAMPLES / ORG_ICB)
    assert len(org) == 270  # 271 lines - header; NNFA7 and Y02584 repeated exactly, kept in raw
    assert [line for line, _, r in org if r["org_code"] == "NNFA7"] == [170, 171]
    first = org[0]
    assert first[0] == 2 and first[2] == {
        "org_code": "RF4",
        "region_name": "London Commissioning Region",
        "org_name": "Barking, Havering and Redbridge University Hospitals NHS Trust",
        "icb_name": "NHS North East London Integrated Care Board",
    }
    stp = rows_of(SAMPLES / STP_ICB)
    assert len(stp) == 42
    qop = next(r for _, _, r in stp if r["icb_code"] == "QOP")
    assert (qop["stp_name"], qop["icb_name"]) == (
        "Greater Manchester Health and Social Care Partnership (STP)",
        "NHS Greater Manchester Integrated Care Board",
    )


# ---- bad input: one test per rule, naming file, row and rule ----------------------------------
def test_mapping_header_must_be_the_layout_the_file_name_calls_for(tmp_path: Path) -> None:
    bad = variant(tmp_path, ORG_ICB, lambda ls: ["Organisation code,Region,Name,ICB\n", *ls[1:]])
    error = broken(bad)
    assert (error.file, error.row, error.rule) == (ORG_ICB, 1, "header_matches_a_known_layout")
    assert "missing columns: ['org code']" in error.detail
    # the DSPT file without the trusts' STP column
    bad = variant(tmp_path, DSPT, lambda ls: [ls[0].replace(',"STPCDH"', ',"STPCODE"'), *ls[1:]])
    error = broken(bad)
    assert (error.file, error.row, error.rule) == (DSPT, 1, "header_matches_a_known_layout")
    assert "stpcdh" in error.detail


def test_mapping_org_code_must_be_present_and_an_ods_code(tmp_path: Path) -> None:
    bad = variant(tmp_path, ORG_ICB, lambda ls: [*ls[:4], "," + ls[4].split(",", 1)[1], *ls[5:]])
    error = broken(bad)
    assert (error.file, error.row, error.rule) == (ORG_ICB, 5, "org_code_present")
    bad = variant(tmp_path, ORG_ICB, lambda ls: [*ls[:4], "R-Q" + ls[4][3:], *ls[5:]])
    error = broken(bad)
    assert (error.file, error.row, error.rule) == (ORG_ICB, 5, "org_code_is_ods_code")


def test_mapping_icb_name_must_be_present(tmp_path: Path) -> None:
    bad = variant(tmp_path, ORG_ICB, lambda ls: [*ls[:2], ls[2].rsplit(",", 1)[0] + ",\n", *ls[3:]])
    error = broken(bad)
    assert (error.file, error.row, error.rule) == (ORG_ICB, 3, "icb_name_present")


def test_mapping_second_different_row_for_an_organisation_is_rejected(tmp_path: Path) -> None:
    # line 171 repeats line 170 (NNFA7) exactly, which is allowed; give it another ICB
    def edit(lines: list[str]) -> list[str]:
        lines[170] = lines[170].replace("NHS Humber And North Yorkshire", "NHS West Yorkshire")
        return lines

    error = broken(variant(tmp_path, ORG_ICB, edit))
    assert (error.file, error.row, error.rule) == (ORG_ICB, 171, "one_row_per_organisation")
    assert "NNFA7 already on row 170" in error.detail


def test_stp_icb_codes_rules(tmp_path: Path) -> None:
    # line 8 is Cheshire and Merseyside STP,QYG,...
    error = broken(variant(tmp_path, STP_ICB, lambda ls: [*ls[:7], ls[7].replace(",QYG,", ",YG,"), *ls[8:]]))
    assert (error.file, error.row, error.rule) == (STP_ICB, 8, "icb_code_is_system_code")
    error = broken(variant(tmp_path, STP_ICB, lambda ls: [*ls, ls[7]]))
    assert (error.file, error.row, error.rule) == (STP_ICB, 44, "one_row_per_icb")
    assert "QYG already on row 8" in error.detail


def test_dspt_organisation_and_successor_key_is_unique(tmp_path: Path) -> None:
    lines = (SAMPLES / DSPT).read_text().splitlines(keepends=True)
    rw6 = [i for i, line in enumerate(lines) if ',"RW6",' in line]
    assert [i + 1 for i in rw6] == [296, 297]  # RW6 -> RM3 on line 296, RW6 -> R0A on line 297
    error = broken(variant(tmp_path, DSPT, lambda ls: [*ls, ls[295]]))  # line 296 again as line 359
    assert (error.file, error.row, error.rule) == (DSPT, 359, "one_row_per_organisation_and_successor")
    assert "RW6 with successor RM3 already on row 296" in error.detail


def test_dspt_rows_of_one_organisation_must_agree(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        lines[296] = lines[296].replace('"QOP"', '"QYG"')  # line 297, RW6 -> R0A, in another STP
        return lines

    error = broken(variant(tmp_path, DSPT, edit))
    assert (error.file, error.row, error.rule) == (DSPT, 297, "one_mapping_per_organisation")


def test_dspt_trust_needs_stp_and_region_codes_and_iso_dates(tmp_path: Path) -> None:
    lines = (SAMPLES / DSPT).read_text().splitlines(keepends=True)
    rxh = next(i for i, line in enumerate(lines) if ',"RXH",' in line)  # 0-based

    def edit(old: str, new: str):  # noqa: ANN202
        def apply(ls: list[str]) -> list[str]:
            ls[rxh] = ls[rxh].replace(old, new)
            return ls

        return apply

    error = broken(variant(tmp_path, DSPT, edit(',"QNX",', ',"",')))
    assert (error.file, error.row, error.rule) == (DSPT, rxh + 1, "trust_stp_code_present")
    error = broken(variant(tmp_path, DSPT, edit(',"Y59",', ',"South East",')))
    assert (error.file, error.row, error.rule) == (DSPT, rxh + 1, "trust_region_code_present")
    error = broken(variant(tmp_path, DSPT, edit(",2021-03-31,", ",31/03/2021,")))
    assert (error.file, error.row, error.rule) == (DSPT, rxh + 1, "date_is_yyyy_mm_dd")
    error = broken(variant(tmp_path, DSPT, edit(',"RYR",', ',"R Y R",')))
    assert (error.file, error.row, error.rule) == (DSPT, rxh + 1, "successor_code_is_ods_code")


def test_mapping_file_names(tmp_path: Path) -> None:
    bad = tmp_path / "ae_juin2025_system_mapping_org_region_icb.csv"
    shutil.copy2(SAMPLES / ORG_ICB, bad)
    with pytest.raises(BadInputError) as error:
        MAPPINGS.file_info(bad)
    assert (error.value.file, error.value.rule) == (bad.name, "file_name_matches_publisher")
    bad = tmp_path / "data_DSPTmetric_20220230.csv"
    with pytest.raises(BadInputError) as error:
        MAPPINGS.file_info(bad)
    assert error.value.rule == "file_name_date_is_valid"


def test_etr_close_date_before_open_date_is_rejected(tmp_path: Path) -> None:
    # line 2 is R0A, opened 20171001
    bad = variant(
        tmp_path,
        "etr_2025-Q1.csv",
        lambda ls: [ls[0], ls[1].replace('"20171001",""', '"20171001","20161231"'), *ls[2:]],
    )
    error = broken(bad, ODS)
    assert (error.file, error.row, error.rule) == ("etr_2025-Q1.csv", 2, "close_date_not_before_open_date")


# ---- the constructed older vintage ------------------------------------------------------------
def test_constructed_vintage_is_what_its_script_writes() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_constructed_etr", CONSTRUCTED / "build_constructed_etr.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (CONSTRUCTED / "etr_2021-Q1.csv").read_bytes() == module.build().encode("utf-8")


def test_constructed_vintage_is_a_valid_etr_file() -> None:
    path = CONSTRUCTED / "etr_2021-Q1.csv"
    info = ODS.file_info(path)
    assert info.period == date(2021, 1, 1)
    records = {r["org_code"]: r for _, _, r in ODS.rows(path, info)}
    # 210 real trusts - G6V2S (opened 2024) + RXH, RW6, RTV, RBZ, RA4, RVY = 215
    assert len(records) == 210 - 1 + 6
    assert "G6V2S" not in records
    assert (records["RXK"]["high_level_health_geography"], records["RXH"]["close_date"]) == (
        "QUA",
        "20210331",
    )
    assert records["RYR"]["name"] == "WESTERN SUSSEX HOSPITALS NHS FOUNDATION TRUST"


# ---- dim_organisation_history (dbt) -------------------------------------------------------------
@pytest.fixture(scope="module")
def history(server_admin, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    """A fresh warehouse with the constructed 2021 vintage, the real 2025 vintage and the three
    real mapping files loaded, and the organisation models built by dbt."""
    from conftest import _create_database, _drop_database, validate_pending
    from oversight import loader, transform
    from oversight.settings import get_settings

    root = tmp_path_factory.mktemp("ods-history")
    (root / "landing" / "ods").mkdir(parents=True)
    for path in [*SAMPLES.iterdir(), CONSTRUCTED / "etr_2021-Q1.csv"]:
        shutil.copy2(path, root / "landing" / "ods" / path.name)
    target = _create_database(server_admin, "oversight_ods")
    try:
        settings = get_settings().model_copy(update=dict(landing_dir=root / "landing", home=root / "home"))
        loaded = [r for s in ("ods", "ods_mappings") for r in loader.ingest_source(s, target, settings)]
        assert [(r.file_name, r.status, r.rows_loaded) for r in loaded] == [
            ("etr_2021-Q1.csv", "loaded", 215),
            ("etr_2025-Q1.csv", "loaded", 210),
            (DSPT, "loaded", 357),
            (ORG_ICB, "loaded", 270),
            (STP_ICB, "loaded", 42),
        ]
        validate_pending(target)
        result = transform.run_dbt(
            [
                "build",
                "--select",
                "+dim_organisation_history",
                "stg_ods__trusts",
                "stg_ods__ae_org_region_icb",
            ],
            target,
            settings,
        )
        assert result.success, result.failures
        yield target
    finally:
        _drop_database(server_admin, target.dbname)


def query(target, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    import psycopg

    with psycopg.connect(target.conninfo) as conn:
        return conn.execute(sql, params).fetchall()


AS_AT = (
    "select org_code, system_type, system_code, system_name, region_code, region_name, org_name, "
    "system_basis from marts__build.dim_organisation_history "
    "where org_code = %s and %s::date between valid_from and coalesce(valid_to, 'infinity')"
)


def test_history_intervals_from_two_vintages(history) -> None:  # noqa: ANN001
    rows = query(
        history,
        "select valid_from, valid_to, system_type, system_code, system_basis, source_file, source_row "
        "from marts__build.dim_organisation_history where org_code = 'RXK' order by valid_from",
    )
    assert rows == [
        # 2021 vintage (line 182): STP QUA, from the open date 20020401 to the day before 1 July 2022
        (date(2002, 4, 1), date(2022, 6, 30), "STP", "QUA", "etr", "etr_2021-Q1.csv", 182),
        # then ICB QUA until the day before the next vintage (2025-01-01), which changed it
        (
            date(2022, 7, 1),
            date(2024, 12, 31),
            "ICB",
            "QUA",
            "stp_code_carried_forward",
            "etr_2021-Q1.csv",
            182,
        ),
        (date(2025, 1, 1), None, "ICB", "QHL", "etr", "etr_2025-Q1.csv", 177),
    ]
    # a name change opens a new interval at the vintage that lists it
    assert query(
        history,
        "select valid_from, valid_to, org_name from marts__build.dim_organisation_history "
        "where org_code = 'RYR' and system_type = 'ICB' order by valid_from",
    ) == [
        (date(2022, 7, 1), date(2024, 12, 31), "Western Sussex Hospitals Nhs Foundation Trust"),
        (date(2025, 1, 1), None, "University Hospitals Sussex Nhs Foundation Trust"),
    ]
    # intervals of a trust never overlap
    assert query(
        history,
        "select count(*) from marts__build.dim_organisation_history a "
        "join marts__build.dim_organisation_history b on a.org_code = b.org_code "
        "and a.valid_from < b.valid_from and coalesce(a.valid_to, 'infinity') >= b.valid_from",
    ) == [(0,)]


def test_trust_to_region_to_system_as_at_any_date_is_one_query(history) -> None:  # noqa: ANN001
    assert query(history, AS_AT, ("RXK", "2020-06-01")) == [
        ("RXK", "STP", "QUA", "The Black Country and West Birmingham", "Y60", "Midlands",
         "Sandwell And West Birmingham Hospitals Nhs Trust", "etr"),
    ]  # fmt: skip
    assert query(history, AS_AT, ("RXK", "2025-06-30"))[0][1:4] == (
        "ICB", "QHL", "NHS Birmingham And Solihull Integrated Care Board",
    )  # fmt: skip
    # one row per trust listed in the newest vintage and open on 30 June 2025: 210 - 5 closed in 2024
    assert query(
        history,
        "select count(*), count(distinct org_code) from marts__build.dim_organisation_history "
        "where date '2025-06-30' between valid_from and coalesce(valid_to, 'infinity') "
        "and org_code not like 'T%%'",
    ) == [(205, 205)]


def test_closed_and_merged_trusts_stay_resolvable_for_historic_dates(history) -> None:  # noqa: ANN001
    # RXH Brighton and Sussex: close date 20210331 in the 2021 vintage, absent in 2025
    assert query(history, AS_AT, ("RXH", "2019-01-01"))[0][1:6] == (
        "STP", "QNX", "Sussex and East Surrey Health and Care Partnership", "Y59", "South East",
    )  # fmt: skip
    assert query(history, AS_AT, ("RXH", "2021-04-01")) == []
    # RW6 Pennine Acute: no close date in etr, DSPT Close 2021-09-30
    assert query(history, AS_AT, ("RW6", "2021-09-30"))[0][1:3] == ("STP", "QOP")
    assert query(history, AS_AT, ("RW6", "2021-10-01")) == []
    # RBZ Northern Devon: no close date anywhere, absent from the 2025 vintage -> ends 2024-12-31
    assert query(history, AS_AT, ("RBZ", "2024-12-31"))[0][1:3] == ("ICB", "QJK")
    assert query(history, AS_AT, ("RBZ", "2025-01-01")) == []
    # RAP North Middlesex: real close date 20241231 in etr_2025-Q1
    assert query(history, AS_AT, ("RAP", "2023-06-01"))[0][1:4] == (
        "ICB", "QMJ", "NHS North Central London Integrated Care Board",
    )  # fmt: skip
    assert query(history, AS_AT, ("RAP", "2025-01-01")) == []


def test_successors_from_the_dspt_file(history) -> None:  # noqa: ANN001
    rows = query(
        history,
        "select distinct org_code, successor_org_codes, final_successor_org_codes, close_date "
        "from marts__build.dim_organisation_history where successor_org_codes is not null order by 1",
    )
    assert rows == [
        ("RTV", "RW4", "RW4", date(2021, 5, 31)),  # no close date in the 2021 vintage: the DSPT one
        ("RW6", "R0A, RM3", "R0A, RM3", date(2021, 9, 30)),
        ("RXH", "RYR", "RYR", date(2021, 3, 31)),
    ]
    # the successor resolves today
    assert (
        query(history, AS_AT, ("RYR", "2026-01-01"))[0][6]
        == "University Hospitals Sussex Nhs Foundation Trust"
    )


def test_newest_vintage_and_mapping_staging(history) -> None:  # noqa: ANN001
    # stg_ods__trusts reads the newest vintage only
    assert query(
        history, "select count(*), min(source_file), max(source_file) from staging__build.stg_ods__trusts"
    ) == [(210, "etr_2025-Q1.csv", "etr_2025-Q1.csv")]
    # exact repeats dropped: 270 rows - 2 repeats
    assert query(history, "select count(*) from staging__build.stg_ods__ae_org_region_icb") == [(268,)]
    assert query(
        history,
        "select org_code, source_row from staging__build.stg_ods__ae_org_region_icb where org_code = 'NTV0B'",
    ) == [("NTV0B", 256)]
