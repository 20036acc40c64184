"""CQC "Latest ratings": both sheets (Locations, Providers) and both column generations, the trust
rating from the provider rows or the main location, and rating changes between workbooks as events.

Real file: sample_data/cqc/Latest_ratings_trust_locations.ods (month 1, undated, Locations only).
CONSTRUCTED (tests/data/cqc/README.md): 05_May_2026_Latest_ratings.ods (month 2: R0A downgraded to
Inadequate, RWA upgraded) and 01_June_2026_Latest_ratings.ods (a small workbook with a Providers sheet).
"""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from oversight.errors import BadInputError
from oversight.sources import get_source
from oversight.workbooks import read_sheet, sheet_names

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "cqc" / "Latest_ratings_trust_locations.ods"
CONSTRUCTED = REPO / "tests" / "data" / "cqc"
MONTH_2 = CONSTRUCTED / "05_May_2026_Latest_ratings.ods"
PROVIDERS = CONSTRUCTED / "01_June_2026_Latest_ratings.ods"
CQC = get_source("cqc")


def rows_of(path: Path) -> list[tuple[int, str, dict[str, str]]]:
    return list(CQC.rows(path, CQC.file_info(path)))


def edited(source: Path, target: Path, edit) -> Path:  # noqa: ANN001 - edit: bytes -> bytes
    """A copy of a workbook with its content.xml edited."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data) if item.filename == "content.xml" else data)
    return target


def broken(path: Path) -> BadInputError:
    with pytest.raises(BadInputError) as error:
        rows_of(path)
    return error.value


# ---- the constructed workbooks ------------------------------------------------------------------
def test_constructed_workbooks_are_what_their_script_writes() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_constructed_workbooks", CONSTRUCTED / "build_constructed_workbooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rendered = module.render()
    assert sorted(p.name for p in rendered) == [PROVIDERS.name, MONTH_2.name]
    for path, data in rendered.items():
        assert path.read_bytes() == data, path.name


# ---- sheets, generations, header search, padding ------------------------------------------------
def test_providers_sheet_is_read_with_its_own_layout() -> None:
    assert sheet_names(PROVIDERS) == ["Locations", "Providers"]
    rows = rows_of(PROVIDERS)
    # Locations: RJ1, RBV, RXL x 6 domains = 18; Providers: RJ1, RBV x 6 + 1 social care provider = 13
    assert len(rows) == 18 + 13
    assert {(r["sheet"], layout) for _, layout, r in rows} == {
        ("Locations", "cqc_locations_domain"),
        ("Providers", "cqc_providers_domain"),
    }
    providers = [(line, r) for line, _, r in rows if r["sheet"] == "Providers"]
    # two title rows above the header (row 3), so the first provider row is row 4; date cells read ISO
    line, rbv = providers[0]
    assert line == 4
    assert (rbv["provider_id"], rbv["provider_type"], rbv["domain"], rbv["latest_rating"]) == (
        "RBV", "NHS Healthcare Organisation", "Overall", "Good",
    )  # fmt: skip
    assert (rbv["publication_date"], rbv["report_type"], rbv["service_population_group"]) == (
        "2023-05-12", "Provider", "Overall",
    )  # fmt: skip
    assert "location_id" not in rbv
    line, social = providers[-1]
    assert (line, social["provider_id"], social["provider_type"]) == (16, "1-000000001", "Social Care Org")


def test_repeated_padding_rows_are_skipped() -> None:
    # each sheet ends with one row repeated 1,048,000 times; the reader must not expand it
    with zipfile.ZipFile(MONTH_2) as archive:
        assert b'table:number-rows-repeated="1048000"' in archive.read("content.xml")
    assert (
        len([r for r in read_sheet(MONTH_2, "Locations") if r[1]]) == 2 + 1 + 824
    )  # title rows, header, data


def test_key_question_generation_on_both_sheets(tmp_path: Path) -> None:
    def rename(data: bytes) -> bytes:
        return data.replace(
            b'string-value="Domain"><text:p>Domain<', b'string-value="Key Question"><text:p>Key Question<'
        )

    older = edited(PROVIDERS, tmp_path / "01_June_2019_Latest_ratings.ods", rename)
    rows = rows_of(older)
    assert len(rows) == 31
    assert {layout for _, layout, _ in rows} == {"cqc_locations_key_question", "cqc_providers_key_question"}
    assert {r["domain"] for _, _, r in rows} == {
        "Overall",
        "Safe",
        "Effective",
        "Caring",
        "Responsive",
        "Well-led",
    }


def test_month_2_workbook() -> None:
    info = CQC.file_info(MONTH_2)
    assert info.period == date(2026, 5, 5)
    rows = rows_of(MONTH_2)
    assert len(rows) == 824
    r0a = {
        r["domain"]: (line, r["latest_rating"], r["publication_date"])
        for line, _, r in rows
        if r["provider_id"] == "R0A"
    }
    assert r0a["Overall"] == (4, "Inadequate", "28/04/2026")
    assert r0a["Effective"] == (6, "Requires improvement", "19/03/2019")  # not re-inspected
    inherited = [r for _, _, r in rows if r["inherited_rating"] == "Y"]
    assert len(inherited) == 36  # as in the sample: inherited ratings are kept and flagged


def test_workbook_order_undated_first_and_file_name_dates(tmp_path: Path) -> None:
    (tmp_path / "cqc").mkdir()
    for path in (MONTH_2, PROVIDERS, SAMPLE):
        shutil.copy2(path, tmp_path / "cqc" / path.name)
    from oversight import landing

    assert [f.name for f in landing.files_of("cqc", tmp_path)] == [SAMPLE.name, MONTH_2.name, PROVIDERS.name]
    for name, detail in (
        ("31_February_2026_Latest_ratings.ods", "day is out of range"),
        ("05_Mai_2026_Latest_ratings.ods", "'Mai' is not a month"),
    ):
        with pytest.raises(BadInputError) as error:
            CQC.file_info(tmp_path / name)
        assert (error.value.file, error.value.rule) == (name, "file_name_date_is_valid")
        assert detail in error.value.detail


# ---- bad input ----------------------------------------------------------------------------------
def test_a_repeated_rating_key_is_rejected(tmp_path: Path) -> None:
    # give the Providers sheet's RBV Safe row (row 5) the domain Overall, which row 4 already has
    def repeat(data: bytes) -> bytes:
        start = data.index(b'<table:table table:name="Providers">')
        safe = data.index(b'string-value="Safe"><text:p>Safe<', start)
        return (
            data[:safe]
            + b'string-value="Overall"><text:p>Overall<'
            + data[safe + len(b'string-value="Safe"><text:p>Safe<') :]
        )

    bad = edited(PROVIDERS, tmp_path / PROVIDERS.name, repeat)
    error = broken(bad)
    assert (error.file, error.row, error.rule) == (PROVIDERS.name, 5, "one_rating_per_key")
    assert "Providers sheet: Provider ID RBV" in error.detail and "already on row 4" in error.detail


def test_unknown_rating_on_the_providers_sheet_names_the_sheet_and_row(tmp_path: Path) -> None:
    def spoil(data: bytes) -> bytes:
        start = data.index(b'<table:table table:name="Providers">')
        return data[:start] + data[start:].replace(b">Good<", b">Brilliant<", 1).replace(
            b'string-value="Good"', b'string-value="Brilliant"', 1
        )

    error = broken(edited(PROVIDERS, tmp_path / PROVIDERS.name, spoil))
    assert (error.file, error.row, error.rule) == (PROVIDERS.name, 4, "rating_is_known")
    assert error.detail.startswith("Providers sheet: Latest Rating 'Brilliant'")


def test_providers_sheet_without_provider_type_breaks_the_header(tmp_path: Path) -> None:
    def drop(data: bytes) -> bytes:
        return data.replace(
            b'string-value="Provider Type"><text:p>Provider Type<', b'string-value="Kind"><text:p>Kind<'
        )

    error = broken(edited(PROVIDERS, tmp_path / PROVIDERS.name, drop))
    assert (error.file, error.row, error.rule) == (PROVIDERS.name, 3, "header_matches_a_known_layout")
    assert "provider type" in error.detail


# ---- ratings and events (dbt) -------------------------------------------------------------------
@pytest.fixture(scope="module")
def ratings(server_admin, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    """Three workbooks loaded - the real sample (month 1), month 2 (2026-05-05) and the Providers
    workbook (2026-06-01) - and the CQC models built by dbt."""
    from conftest import _create_database, _drop_database, validate_pending
    from oversight import loader, transform
    from oversight.settings import get_settings

    root = tmp_path_factory.mktemp("cqc-ratings")
    (root / "landing" / "cqc").mkdir(parents=True)
    for path in (SAMPLE, MONTH_2, PROVIDERS):
        shutil.copy2(path, root / "landing" / "cqc" / path.name)
    target = _create_database(server_admin, "oversight_cqc")
    try:
        settings = get_settings().model_copy(update=dict(landing_dir=root / "landing", home=root / "home"))
        loaded = loader.ingest_source("cqc", target, settings)
        assert [(r.file_name, r.status, r.rows_loaded) for r in loaded] == [
            (SAMPLE.name, "loaded", 824),
            (MONTH_2.name, "loaded", 824),
            (PROVIDERS.name, "loaded", 31),
        ]
        validate_pending(target)
        result = transform.run_dbt(
            ["build", "--select", "+fct_cqc_rating", "+fct_cqc_rating_event", "stg_cqc__ratings"],
            target,
            settings,
        )
        assert result.success, result.failures
        yield target
    finally:
        _drop_database(server_admin, target.dbname)


def query(target, sql: str) -> list[tuple]:  # noqa: ANN001
    import psycopg

    with psycopg.connect(target.conninfo) as conn:
        return conn.execute(sql).fetchall()


EVENT_COLUMNS = (
    "org_code, location_id, domain, change_type, event_date, previous_rating, new_rating, "
    "is_move_to_inadequate, compared_with_file, previous_source_row, new_source_row, new_rating_basis"
)


def test_a_move_to_inadequate_is_a_dated_event(ratings) -> None:  # noqa: ANN001
    rows = query(
        ratings,
        f"select {EVENT_COLUMNS} from marts__build.fct_cqc_rating_event "
        f"where detected_in_file = '{MONTH_2.name}' order by org_code, rating_level desc, domain",
    )
    sample, ri, inadequate = SAMPLE.name, "Requires improvement", "Inadequate"
    may_28, apr_30 = date(2026, 4, 28), date(2026, 4, 30)
    # month 2 has two title rows, so each rating sits two rows lower than in the sample
    assert rows == [
        # R0A: the trust's own rating (from its main location, the sample has no Providers sheet) ...
        ("R0A", None, "Overall", "downgraded", may_28, ri, inadequate, True, sample, 2, 4, "main_location"),
        ("R0A", None, "Safe", "downgraded", may_28, ri, inadequate, True, sample, 3, 5, "main_location"),
        ("R0A", None, "Well-led", "downgraded", may_28, ri, inadequate, True, sample, 7, 9, "main_location"),
        # ... and the location's
        ("R0A", "R0A02", "Overall", "downgraded", may_28, ri, inadequate, True, sample, 2, 4, "location"),
        ("R0A", "R0A02", "Safe", "downgraded", may_28, ri, inadequate, True, sample, 3, 5, "location"),
        ("R0A", "R0A02", "Well-led", "downgraded", may_28, ri, inadequate, True, sample, 7, 9, "location"),
        (
            "RWA",
            None,
            "Overall",
            "upgraded",
            apr_30,
            inadequate,
            ri,
            False,
            sample,
            664,
            666,
            "main_location",
        ),
        ("RWA", None, "Safe", "upgraded", apr_30, inadequate, ri, False, sample, 665, 667, "main_location"),
        ("RWA", "RWA01", "Overall", "upgraded", apr_30, inadequate, ri, False, sample, 664, 666, "location"),
        ("RWA", "RWA01", "Safe", "upgraded", apr_30, inadequate, ri, False, sample, 665, 667, "location"),
    ]
    # the undated sample is month 1: no events are detected in it
    assert query(
        ratings,
        f"select count(*) from marts__build.fct_cqc_rating_event where detected_in_file = '{SAMPLE.name}'",
    ) == [(0,)]


def test_latest_workbook_ratings_from_the_providers_sheet_or_the_main_location(ratings) -> None:  # noqa: ANN001
    rows = query(
        ratings,
        "select org_code, location_id, rating, publication_date, rating_basis, main_location_id, "
        "source_sheet, source_row from marts__build.fct_cqc_rating where domain = 'Overall' "
        "order by org_code, location_id nulls first",
    )
    june = [
        ("RBV", None, "Good", date(2023, 5, 12), "provider", None, "Providers", 4),
        ("RBV", "RBV01", "Good", date(2023, 5, 12), "location", None, "Locations", 4),
        ("RJ1", None, "Good", date(2019, 7, 23), "provider", None, "Providers", 10),
        ("RJ1", "RJ121", "Good", date(2019, 7, 23), "location", None, "Locations", 10),
        # RXL has no Providers row: its own rating is its main location's
        ("RXL", None, "Inadequate", date(2025, 8, 29), "main_location", "RXL01", "Locations", 16),
        ("RXL", "RXL01", "Inadequate", date(2025, 8, 29), "location", None, "Locations", 16),
    ]
    assert rows == june  # the social care provider 1-000000001 is not an NHS trust: not rated here
    # 3 trusts x 6 domains x (own rating + location rating)
    assert query(
        ratings, "select count(*), count(distinct rating_basis) from marts__build.fct_cqc_rating"
    ) == [(36, 3)]


def test_month_2_trust_ratings_and_what_the_june_workbook_no_longer_lists(ratings) -> None:  # noqa: ANN001
    # month 2, trust level: main location basis (no Providers sheet), R0A now Inadequate
    assert query(
        ratings,
        "select rating, rating_score, publication_date, rating_basis, main_location_id, source_row "
        "from intermediate__build.int_cqc__workbook_ratings where workbook_date = '2026-05-05' "
        "and org_code = 'R0A' and rating_level = 'provider' and domain = 'Overall'",
    ) == [("Inadequate", 4, date(2026, 4, 28), "main_location", "R0A02", 4)]
    # June lists 3 of the 139 trusts: the rows of the other 136 are withdrawn, at both levels:
    # (824 - 18) location rows + (824 - 18) trust rows = 1612, without an event date
    assert query(
        ratings,
        "select change_type, count(*), count(event_date) from marts__build.fct_cqc_rating_event "
        f"where detected_in_file = '{PROVIDERS.name}' group by 1 order by 1",
    ) == [("withdrawn", 1612, 0)]
    # RJ1 and RBV changed basis (main location in May, Providers sheet in June) but not rating: no event
    assert query(
        ratings,
        "select count(*) from marts__build.fct_cqc_rating_event where org_code in ('RJ1', 'RBV', 'RXL')",
    ) == [(0,)]


def test_stg_cqc_ratings_reads_the_newest_workbook(ratings) -> None:  # noqa: ANN001
    assert query(
        ratings,
        "select source_file, sheet_name, count(*) from staging__build.stg_cqc__ratings "
        "group by 1, 2 order by 2",
    ) == [(PROVIDERS.name, "Locations", 18), (PROVIDERS.name, "Providers", 13)]
    assert query(
        ratings,
        "select workbook_seq, workbook_date, source_file, count(*) "
        "from staging__build.stg_cqc__workbook_ratings "
        "group by 1, 2, 3 order by 1",
    ) == [
        (1, None, SAMPLE.name, 824),
        (2, date(2026, 5, 5), MONTH_2.name, 824),
        (3, date(2026, 6, 1), PROVIDERS.name, 31),
    ]
