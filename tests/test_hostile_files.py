"""Hostile landing files (issue 10, part 6): links, zip bombs, huge garbage, copies, loose names.

Real files: the bundled samples (sample_data/) and the constructed CQC workbook (tests/data/cqc/).
GENERATED here: zip bombs (a workbook whose shared-strings part and a ZIP whose CSV member inflate
512 MiB from under 1 MB; built from one repeated deflate block, so building one takes ~0.3 s of
CRC), and random-byte garbage. Real PostgreSQL for the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import struct
import zipfile
import zlib
from datetime import date
from functools import cache
from pathlib import Path

import psutil
import pytest

from conftest import REPO_ROOT, SAMPLES, put, query, validate_pending
from oversight import hostile, loader, warehouse
from oversight.landing import scan as scan_landing
from oversight.settings import get_settings
from oversight.sources import get_source

pytestmark = pytest.mark.faults

CQC_JUNE = REPO_ROOT / "tests" / "data" / "cqc" / "01_June_2026_Latest_ratings.ods"
BOMB_MIB = 512


def own_quarantine(settings, landing: Path):  # noqa: ANN001, ANN201
    """Settings whose home (so quarantine folder) is this test's own, beside its landing folder: the
    session's home is shared by every test (conftest settings_for), and these tests list the folder."""
    return settings.model_copy(update={"home": landing.parent / "home"})


def quarantine_files(settings) -> set[Path]:  # noqa: ANN001
    folder = settings.quarantine_dir
    return set(folder.rglob("*")) if folder.exists() else set()


# ---- generated zip bombs --------------------------------------------------------------------------
@cache
def _bomb_member(head: bytes, tail: bytes) -> tuple[bytes, int, int]:
    """(raw deflate data, crc32, uncompressed size) of head + 'A' * BOMB_MIB MiB + tail: one 1 MiB
    block is deflated once (full flush: every block then compresses to the same ~1 KB)."""
    block = b"A" * (1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    chunk = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.compress(tail) + deflate.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(BOMB_MIB):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return start + chunk * BOMB_MIB + end, crc, len(head) + BOMB_MIB * len(block) + len(tail)


def _write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A ZIP of deflated members given as (name, raw deflate data, crc32, uncompressed size)."""
    local, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(local)
        local += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
        )
        local += encoded + data
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
            len(encoded), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += encoded
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))
    return path


def _small(name: str, text: str) -> tuple[str, bytes, int, int]:
    raw = text.encode()
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, deflate.compress(raw) + deflate.flush(), zlib.crc32(raw), len(raw)


def bomb_workbook(path: Path) -> Path:
    """A readable .xlsx (one sheet, one shared-string cell) whose sharedStrings.xml inflates 512 MiB."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    data, crc, size = _bomb_member(
        f'{xml}<sst xmlns="{main}" count="1" uniqueCount="1"><si><t>'.encode(), b"</t></si></sst>"
    )
    return _write_zip(
        path,
        [
            _small(
                "[Content_Types].xml",
                f'{xml}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
                f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{office}.worksheet+xml"/>'
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.sharedStrings+xml"/>'
                "</Types>",
            ),
            _small(
                "_rels/.rels",
                f'{xml}<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            ),
            _small(
                "xl/workbook.xml",
                f'{xml}<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                '<sheet name="Provider" sheetId="1" r:id="rId1"/></sheets></workbook>',
            ),
            _small(
                "xl/_rels/workbook.xml.rels",
                f'{xml}<Relationships xmlns="{pkg}">'
                f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
                "</Relationships>",
            ),
            _small(
                "xl/worksheets/sheet1.xml",
                f'{xml}<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                "</sheetData></worksheet>",
            ),
            ("xl/sharedStrings.xml", data, crc, size),
        ],
    )


def bomb_zip(path: Path) -> Path:
    """A ZIP whose CSV member inflates 512 MiB (a header line, then one endless field)."""
    data, crc, size = _bomb_member(b"Period,Provider Org Code\nRTT-April-2026,", b"\n")
    return _write_zip(path, [("20260430-RTT-April-2026-full-extract.csv", data, crc, size)])


def rss_bytes() -> tuple[int, int]:
    """(current RSS, peak RSS so far) of this process, in bytes."""
    return psutil.Process().memory_info().rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ---- archives: limits from the central directory, before anything is expanded -----------------
def test_every_bundled_archive_and_workbook_passes_the_default_limits() -> None:
    """The defaults were chosen against these: at most 25 members, 82 MB, ratio 69:1 (CQC)."""
    settings = get_settings()
    archives = [
        p
        for folder in (SAMPLES, REPO_ROOT / "tests" / "data")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.read_bytes()[:4] == hostile.ZIP_MAGIC
    ]
    assert len(archives) >= 10
    assert {p.name: hostile.archive_refusal(p, settings) for p in archives} == {
        p.name: None for p in archives
    }


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (bomb_workbook, "APRIL-2025-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx"),
        (bomb_zip, "20260430-RTT-April-2026-full-extract.csv.zip"),
    ],
)
def test_a_zip_bomb_is_refused_without_inflating(tmp_path: Path, make, name: str) -> None:  # noqa: ANN001
    landing_dir = tmp_path / "landing"
    landing_dir.mkdir()
    bomb = make(landing_dir / name)
    assert bomb.stat().st_size < 1_000_000
    with zipfile.ZipFile(bomb) as archive:  # a well-formed archive: it would inflate to 512 MiB
        assert sum(m.file_size for m in archive.infolist()) > BOMB_MIB << 20
    settings = get_settings().model_copy(update={"landing_dir": landing_dir})
    rss_before, peak_before = rss_bytes()
    (found,) = scan_landing(landing_dir, settings=settings)
    rss_after, peak_after = rss_bytes()
    # unchecked, the workbook's peek took 6-16 s, +514 MB resident and a peak 2 GB higher; the
    # memory figures are the proof that nothing was inflated (a timing would flake on a busy machine)
    assert rss_after - rss_before < 32 << 20
    assert peak_after - peak_before < 32 << 20
    assert (found.verdict, found.source) == ("refused", None)  # whatever its publisher-like name
    assert f"{name}: member " in found.reason and "archive_max_ratio" in found.reason
    assert "over the limit of 200:1" in found.reason


def test_member_count_and_uncompressed_size_limits_name_the_limit_and_the_file() -> None:
    settings = get_settings()
    workbook = (
        SAMPLES / "staff_survey" / "NSS24 detailed spreadsheets organisational results.xlsx"
    )  # 25 members
    extract = SAMPLES / "rtt" / "20260430-RTT-April-2026-full-extract.csv.zip"  # 4,545,261 bytes inflated
    few = settings.model_copy(update={"archive_max_members": 24})
    small = settings.model_copy(update={"archive_max_bytes": 4_500_000})
    assert hostile.archive_refusal(workbook, few) == (
        f"{workbook.name} lists 25 archive members, over the limit of 24 (archive_max_members): "
        "refused before expanding"
    )
    assert hostile.archive_refusal(extract, small) == (
        f"{extract.name} would expand to 4,545,261 bytes, over the limit of 4,500,000 (archive_max_bytes): "
        "refused before expanding"
    )
    assert (
        hostile.archive_refusal(extract, settings.model_copy(update={"archive_max_bytes": 4_545_261})) is None
    )


def test_the_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERSIGHT_ARCHIVE_MAX_MEMBERS", "7")
    monkeypatch.setenv("OVERSIGHT_ARCHIVE_MAX_BYTES", "1000")
    monkeypatch.setenv("OVERSIGHT_ARCHIVE_MAX_RATIO", "3.5")
    monkeypatch.setenv("OVERSIGHT_QUARANTINE_COPY_MAX_BYTES", "99")
    settings = get_settings()
    assert (
        settings.archive_max_members,
        settings.archive_max_bytes,
        settings.archive_max_ratio,
        settings.quarantine_copy_max_bytes,
    ) == (7, 1000, 3.5, 99)


def test_a_bomb_is_recorded_as_refused_and_the_loader_never_expands_one(
    fresh_db, landing, settings_for, tmp_path: Path
) -> None:  # noqa: ANN001
    settings = own_quarantine(settings_for(landing), landing)
    bomb_zip(landing / "rtt" / "20260430-RTT-April-2026-full-extract.csv.zip")
    assert loader.ingest_source("rtt", fresh_db, settings) == []  # the scan gives it to no source
    ((status, source, message),) = query(fresh_db, "select status, source, message from raw.load_manifest")
    assert (status, source) == ("unrecognised", None)
    assert message.startswith("refused: 20260430-RTT-April-2026-full-extract.csv.zip: member ")
    assert "archive_max_ratio" in message
    # handed to the loader directly (not through the scan): quarantined by the same rule, unread
    direct = bomb_workbook(tmp_path / "APRIL-2025-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx")
    with warehouse.connect(fresh_db) as conn:
        result = loader.load_file(conn, get_source("cancer"), direct, settings)
    assert result.status == "quarantined"
    assert "rule 'archive_within_limits' broken" in result.message
    assert "archive_max_ratio" in result.message


# ---- links and paths outside the landing folder ---------------------------------------------------
def test_symlinks_are_refused_never_followed_never_copied(
    fresh_db, landing, settings_for, tmp_path: Path
) -> None:  # noqa: ANN001
    settings = own_quarantine(settings_for(landing), landing)
    quarantined_before = quarantine_files(settings)  # the quarantine folder is the session's (conftest)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_text("user:x:0:0:root:/root:/bin/bash\n")
    put(SAMPLES / "ae" / "Monthly-AE-June-2024.csv", outside, "Monthly-AE-July-2024.csv")
    (landing / "ae" / "Monthly-AE-April-2025.csv").symlink_to("/etc/passwd")  # a publisher's name
    (landing / "ae" / "Monthly-AE-May-2025.csv").symlink_to(secret)
    (landing / "linked").symlink_to(outside, target_is_directory=True)  # a folder link
    scanned = {f.relative: (f.verdict, f.source, f.kind) for f in scan_landing(landing, settings=settings)}
    assert scanned == {
        "ae/Monthly-AE-April-2025.csv": ("refused", None, "link"),
        "ae/Monthly-AE-May-2025.csv": ("refused", None, "link"),
        "linked": ("refused", None, "link"),
    }
    assert loader.ingest_source("ae", fresh_db, settings) == []
    manifest = query(
        fresh_db, "select landing_path, status, message from raw.load_manifest order by landing_path"
    )
    assert [(p, s) for p, s, _ in manifest] == [
        ("ae/Monthly-AE-April-2025.csv", "unrecognised"),
        ("ae/Monthly-AE-May-2025.csv", "unrecognised"),
        ("linked", "unrecognised"),
    ]
    assert manifest[0][2] == (
        "refused: Monthly-AE-April-2025.csv is a symbolic link (to /etc/passwd): links are never followed"
    )
    assert f"(to {outside})" in manifest[2][2]
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(0,)]
    assert quarantine_files(settings) == quarantined_before  # nothing copied or written for them
    # a link handed to the loader directly: quarantined by reference, the target neither read nor copied
    with warehouse.connect(fresh_db) as conn:
        result = loader.load_file(
            conn, get_source("ae"), landing / "ae" / "Monthly-AE-April-2025.csv", settings
        )
    assert result.status == "quarantined" and "rule 'file_is_safe_to_read' broken" in result.message
    quarantined = sorted(p.name for p in (settings.quarantine_dir / "ae").iterdir())
    assert quarantined == ["Monthly-AE-April-2025.csv.reason.txt", "Monthly-AE-April-2025.csv.reference.json"]
    assert "root:" not in (settings.quarantine_dir / "ae" / quarantined[1]).read_text()


def test_a_path_resolving_outside_the_landing_folder_is_refused(tmp_path: Path) -> None:
    landing_dir = tmp_path / "landing"
    landing_dir.mkdir()
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("a,b\n1,2\n")
    sneaky = landing_dir / ".." / "elsewhere.csv"
    assert hostile.path_refusal(sneaky, landing_dir) == (
        f"elsewhere.csv resolves to {outside.resolve()}, outside the landing folder: never read"
    )
    inside = landing_dir / "data.csv"
    inside.write_text("a,b\n1,2\n")
    assert hostile.path_refusal(inside, landing_dir) is None


# ---- very large bad files: quarantined by reference -----------------------------------------------
def test_a_large_bad_file_is_quarantined_by_reference_not_copied(
    fresh_db, landing, settings_for, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("OVERSIGHT_QUARANTINE_COPY_MAX_BYTES", "1000000")
    settings = own_quarantine(settings_for(landing), landing)
    garbage = landing / "ae" / "Monthly-AE-April-2025.csv"  # taken by its publisher name
    garbage.write_bytes(os.urandom(1_500_000))
    small = landing / "ae" / "Monthly-AE-May-2025.csv"
    small.write_bytes(b"not,the,ae,header\n1,2,3,4\n")
    results = loader.ingest_source("ae", fresh_db, settings)
    assert [(r.file_name, r.status) for r in results] == [
        ("Monthly-AE-April-2025.csv", "quarantined"),
        ("Monthly-AE-May-2025.csv", "quarantined"),
    ]
    folder = settings.quarantine_dir / "ae"
    assert sorted(p.name for p in folder.iterdir()) == [
        "Monthly-AE-April-2025.csv.reason.txt",
        "Monthly-AE-April-2025.csv.reference.json",
        "Monthly-AE-May-2025.csv",  # a small bad file is still copied whole
        "Monthly-AE-May-2025.csv.reason.txt",
    ]
    reference = json.loads((folder / "Monthly-AE-April-2025.csv.reference.json").read_text())
    assert reference == {
        "original_path": str(garbage),
        "bytes": 1_500_000,
        "sha256": hashlib.sha256(garbage.read_bytes()).hexdigest(),
        "reason": results[0].message,
        "not_copied": "1,500,000 bytes, over quarantine_copy_max_bytes (1,000,000): "
        "quarantined by reference, not copied",
    }
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(0,)]


# ---- the same content under other names: duplicates, not vintages --------------------------------
def test_three_copies_of_a_cqc_workbook_are_one_load_and_two_duplicates(
    fresh_db, landing, settings_for
) -> None:  # noqa: ANN001
    settings = own_quarantine(settings_for(landing), landing)
    put(CQC_JUNE, landing, "cqc/01_June_2026_Latest_ratings.ods")
    put(CQC_JUNE, landing, "downloads/01_June_2026_Latest_ratings (1).ods")
    put(CQC_JUNE, landing, "misc/copy of Latest_ratings.ods")
    results = loader.ingest_source("cqc", fresh_db, settings)
    # the copy under the publisher's name is the one loaded (its name dates it), the others follow
    assert [(r.file_name, r.status) for r in results] == [
        ("01_June_2026_Latest_ratings.ods", "loaded"),
        ("01_June_2026_Latest_ratings (1).ods", "duplicate"),
        ("copy of Latest_ratings.ods", "duplicate"),  # undated name: loaded first, it would be undated
    ]
    manifest = query(
        fresh_db,
        "select landing_path, status, period, vintage, duplicate_of = min(load_id) over () "
        "from raw.load_manifest order by load_id",
    )
    assert manifest == [
        ("cqc/01_June_2026_Latest_ratings.ods", "loaded", date(2026, 6, 1), 1, None),  # one vintage
        ("downloads/01_June_2026_Latest_ratings (1).ods", "duplicate", date(2026, 6, 1), 1, True),
        ("misc/copy of Latest_ratings.ods", "duplicate", None, 1, True),
    ]
    # until the raw suite passed the load it is pending, never done (test_validate_then_commit.py)
    assert [r.status for r in loader.ingest_source("cqc", fresh_db, settings)] == [
        "pending",
        "duplicate",
        "duplicate",
    ]
    validate_pending(fresh_db)
    assert [r.status for r in loader.ingest_source("cqc", fresh_db, settings)] == ["duplicate"] * 3
    (rows,) = query(fresh_db, "select count(distinct _load_id) from raw.cqc_ratings")
    assert rows == (1,)


# ---- name patterns as tight as the publisher's naming ---------------------------------------------
def test_the_cqc_name_pattern_is_the_publishers_and_variants_are_taken_by_content(tmp_path: Path) -> None:
    cqc = get_source("cqc")
    for name in (
        "05_May_2026_Latest_ratings.ods",
        "1_June_2026_Latest_ratings.ods",
        "Latest_ratings_trust_locations.ods",
    ):
        assert cqc.file_pattern.search(name), name
    for name in (
        "evil_Latest_ratings_copy.ods",
        "Latest_ratings (1).ods",
        "05_May_2026_Latest_ratings.ods.csv",
    ):
        assert not cqc.file_pattern.search(name), name
    landing_dir = tmp_path / "landing"
    put(CQC_JUNE, landing_dir, "05_May_2026_Latest_ratings (1).ods")  # a browser's copy: by content
    (landing_dir / "x_Latest_ratings_y.ods").write_bytes(b"not a workbook")  # a loose name: no claim
    found = {f.relative: f for f in scan_landing(landing_dir)}
    copy = found["05_May_2026_Latest_ratings (1).ods"]
    assert (copy.verdict, copy.source, copy.period, copy.by_name) == (
        "recognised",
        "cqc",
        date(2026, 5, 5),
        False,
    )
    assert (found["x_Latest_ratings_y.ods"].verdict, found["x_Latest_ratings_y.ods"].source) == (
        "unrecognised",
        None,
    )


def test_the_staff_survey_name_pattern_is_the_publishers_and_a_variant_keeps_its_year() -> None:
    survey = get_source("staff_survey_detailed")
    assert survey.file_pattern.search("NSS24 detailed spreadsheets organisational results.xlsx")
    variant = Path("NSS24 detailed spreadsheets organisational results (1).xlsx")
    assert not survey.file_pattern.search(variant.name)  # no claim by name: by content only
    assert not survey.file_pattern.search("NSS24 anything detailed spreadsheets about organisations.xlsx")
    assert survey.file_info(variant).period == date(2024, 1, 1)  # recognised by content, dated by name
