"""The national-scale generator (bench/scale_generate.py): deterministic, and its files are taken by
the real landing scan and read by the real readers (no database: a few seconds)."""

from __future__ import annotations

import csv
import hashlib
import io
import sys
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "bench"))

import scale_generate  # noqa: E402

SOURCES = ("rtt", "ae", "dm01", "cancer_extract")
TWO_MONTHS = 2 / 12


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# the 10,360-row cut of the real RTT extract in sample_data (the whole one takes seconds to re-read)
RTT_CUT = REPO_ROOT / "sample_data" / "rtt" / "20260430-RTT-April-2026-full-extract.csv.zip"


@pytest.fixture(scope="module", autouse=True)
def rtt_cut() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scale_generate, "RTT_FULL", RTT_CUT)
        yield


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, rtt_cut: None) -> Path:
    out = tmp_path_factory.mktemp("scale") / "landing"
    scale_generate.generate(out, TWO_MONTHS, scale=0.1, seed=14, sources=SOURCES)
    return out


def test_same_seed_gives_byte_identical_files(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    scale_generate.generate(again, TWO_MONTHS, scale=0.1, seed=14, sources=SOURCES)
    first = _digests(generated)
    assert len(first) == 8  # 2 months x 4 sources
    assert _digests(again) == first


def test_another_seed_keeps_other_trusts(generated: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    scale_generate.generate(other, TWO_MONTHS, scale=0.1, seed=15, sources=("ae",))
    name = "ae/Monthly-AE-April-2026.csv"
    assert (other / name).read_bytes() != (generated / name).read_bytes()


def test_months_end_at_april_2026_and_cross_the_year() -> None:
    months = scale_generate.months_ending(date(2026, 4, 1), 5)
    assert months == (
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 4, 1),
    )
    assert scale_generate.financial_year(date(2026, 3, 1)) == (2025, 4)
    assert scale_generate.financial_year(date(2026, 4, 1)) == (2026, 1)


def test_every_generated_file_is_recognised_with_its_month(generated: Path) -> None:
    from oversight import landing

    scanned = {f.relative: f for f in landing.scan(generated)}
    assert {(f.verdict, f.source, f.period) for f in scanned.values()} == {
        ("recognised", source, month)
        for source in ("rtt", "ae", "dm01", "cancer")
        for month in (date(2026, 3, 1), date(2026, 4, 1))
    }


def test_full_scale_ae_file_is_read_whole(tmp_path: Path) -> None:
    """At --scale 1 every row of the real template (199 trusts and sites) is there, in the month."""
    from oversight import landing
    from oversight.sources import get_source

    scale_generate.generate(tmp_path, 1 / 12, scale=1.0, seed=14, sources=("ae",))
    (scanned,) = landing.scan(tmp_path)
    rows = list(get_source("ae").rows(scanned.path, scanned.info))
    assert len(rows) == 199
    assert {record["period"] for _, _, record in rows} == {"MSitAE-APRIL-2026"}


def test_small_rtt_file_is_read_into_the_rows_of_its_kept_providers(generated: Path) -> None:
    from oversight import landing
    from oversight.sources import get_source

    path = generated / "rtt" / "20260331-RTT-March-2026-full-extract.csv.zip"
    (scanned,) = [f for f in landing.scan(generated) if f.path == path]
    rows = list(get_source("rtt").rows(path, scanned.info))
    providers = {record["provider_org_code"] for _, _, record in rows}
    # the template's rows of exactly those providers, counted independently with the csv module
    template = RTT_CUT
    with zipfile.ZipFile(template) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".csv") and "__MACOSX" not in n)
        reader = csv.reader(io.TextIOWrapper(archive.open(member), encoding="utf-8"))
        next(reader)
        expected = sum(1 for cells in reader if cells[3] in providers)
    assert 0 < len(providers) < 100
    assert len(rows) == expected > 10
    assert {record["period"] for _, _, record in rows} == {"RTT-March-2026"}
