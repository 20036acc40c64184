"""fetch_<source> against a local HTTP server (pytest-httpserver) serving the real sample files:
a new month, an unchanged file (304, or the same sha256), a revised file, a 500, a timeout, a
truncated body and a file over the size limit. No test touches the internet."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from conftest import SAMPLES
from oversight import fetch, loader, warehouse
from oversight.settings import FetchSettings, get_settings
from oversight.sources import get_source

OCTOBER = "Monthly-AE-October-2024-revised.csv"
NOVEMBER = "Monthly-AE-November-2024-revised.csv"
SEPTEMBER = "Monthly-AE-September-2024.csv"
PAGE = """<html><body><nav><a href="/">Home</a> <a href="https://www.england.nhs.uk/privacy">Privacy</a></nav>
<h2>Monthly A&amp;E Attendances and Emergency Admissions 2024-25</h2>
<ul>
  <li><a href="/files/{oct}">October 2024 (revised) (CSV, 29KB)</a></li>
  <li><a href="files/{nov}">November 2024 (revised) (CSV, 29KB)</a></li>
  <li><a href="/files/Monthly-AE-Time-Series-November-2024.xls">Timeseries (XLS)</a></li>
  <li><a href="/files/{oct}">October 2024 again, in another list</a></li>
</ul></body></html>"""


def sample(name: str) -> bytes:
    return (SAMPLES / "ae" / name).read_bytes()


@pytest.fixture
def fetch_env(fresh_db, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("WAREHOUSE_URL", fresh_db.url)
    monkeypatch.setenv("LANDING_DIR", str(landing))
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "home"))
    return get_settings()


def config(*urls: str, **kw: float) -> FetchSettings:
    return FetchSettings(
        urls=urls,
        max_bytes=int(kw.get("max_bytes", 1_000_000)),
        timeout_seconds=kw.get("timeout_seconds", 5.0),
        attempts=int(kw.get("attempts", 3)),
        backoff_seconds=0.01,
    )


def fetch_log(target) -> list[tuple]:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        return conn.execute(
            "select file_name, status, http_status, file_sha256, message from raw.fetch_log order by fetch_id"
        ).fetchall()


def landed(landing: Path) -> list[str]:
    return sorted(p.name for p in (landing / "ae").iterdir())


@pytest.fixture(autouse=True)
def _no_late_requests(httpserver: HTTPServer):  # noqa: ANN202
    """pytest-httpserver's server outlives each test: a slow handler (the timeout test's sleeps 1 s)
    answers after its test gave up, and its request landed in the next test's log (seen under random
    order). Wait it out, then clear the log, before the next test starts."""
    yield
    time.sleep(1.2)
    httpserver.clear_log()


def test_page_links_keep_only_the_sources_files_resolved_against_the_page() -> None:
    links = fetch.page_links(
        PAGE.format(oct=OCTOBER, nov=NOVEMBER), "https://example.org/stats/ae/", get_source("ae").file_pattern
    )
    assert links == [
        f"https://example.org/files/{OCTOBER}",
        f"https://example.org/stats/ae/files/{NOVEMBER}",
    ]


def test_new_months_from_the_publication_page_land_whole_and_load_like_hand_placed_files(
    fetch_env, fresh_db, landing: Path, httpserver: HTTPServer
) -> None:  # noqa: ANN001
    httpserver.expect_request("/stats/ae").respond_with_data(
        PAGE.format(oct=OCTOBER, nov=NOVEMBER), content_type="text/html"
    )
    httpserver.expect_request(f"/files/{OCTOBER}").respond_with_data(sample(OCTOBER), content_type="text/csv")
    httpserver.expect_request(f"/stats/files/{NOVEMBER}").respond_with_data(
        sample(NOVEMBER), content_type="text/csv"
    )

    results = fetch.fetch_source("ae", fetch_env, config(httpserver.url_for("/stats/ae")))

    assert [(r["file_name"], r["status"], r["file_bytes"]) for r in results] == [
        (OCTOBER, "fetched", 29295),
        (NOVEMBER, "fetched", 29504),
    ]
    assert landed(landing) == [NOVEMBER, OCTOBER]
    assert (landing / "ae" / OCTOBER).read_bytes() == sample(OCTOBER)
    assert not list((landing / fetch.TEMP_FOLDER).iterdir()), "a temporary file was left behind"
    assert [row[:3] for row in fetch_log(fresh_db)] == [(OCTOBER, "fetched", 200), (NOVEMBER, "fetched", 200)]
    assert fetch_log(fresh_db)[0][3] == hashlib.sha256(sample(OCTOBER)).hexdigest()
    # the ingestion then runs as for a hand-placed file
    loads = loader.ingest_source("ae", fresh_db, fetch_env)
    assert sorted((r.file_name, r.status) for r in loads) == [(NOVEMBER, "loaded"), (OCTOBER, "loaded")]


def test_unchanged_file_is_not_written_again_304_or_same_sha(
    fetch_env, fresh_db, landing: Path, httpserver: HTTPServer
) -> None:  # noqa: ANN001
    seen: list[str | None] = []

    def with_etag(request: Request) -> Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"oct-1"':
            return Response(status=304, headers={"ETag": '"oct-1"'})
        return Response(
            sample(OCTOBER), headers={"ETag": '"oct-1"', "Last-Modified": "Thu, 12 Dec 2024 09:30:00 GMT"}
        )

    httpserver.expect_request(f"/files/{OCTOBER}").respond_with_handler(with_etag)
    # no validators at all: only the sha256 tells that nothing changed
    httpserver.expect_request(f"/files/{SEPTEMBER}").respond_with_data(sample(SEPTEMBER))
    cfg = config(httpserver.url_for(f"/files/{OCTOBER}"), httpserver.url_for(f"/files/{SEPTEMBER}"))

    first = fetch.fetch_source("ae", fetch_env, cfg)
    assert [r["status"] for r in first] == ["fetched", "fetched"]
    written = {name: (landing / "ae" / name).stat().st_mtime_ns for name in (OCTOBER, SEPTEMBER)}
    # Last-Modified becomes the file's modification time
    assert (landing / "ae" / OCTOBER).stat().st_mtime == 1733995800
    time.sleep(0.05)

    second = fetch.fetch_source("ae", fetch_env, cfg)
    assert [(r["file_name"], r["status"], r["http_status"]) for r in second] == [
        (OCTOBER, "unchanged", 304),
        (SEPTEMBER, "unchanged", 200),
    ]
    assert seen == [None, '"oct-1"']  # the ETag was sent back
    assert {n: (landing / "ae" / n).stat().st_mtime_ns for n in written} == written
    assert [row[1] for row in fetch_log(fresh_db)] == ["fetched", "fetched", "unchanged", "unchanged"]


def test_revised_file_at_the_same_url_replaces_the_landed_one(
    fetch_env, fresh_db, landing: Path, httpserver: HTTPServer
) -> None:  # noqa: ANN001
    first_issue = sample(SEPTEMBER)
    # the publisher corrects one trust's type 1 attendances (RW1: 0 -> 7)
    revised = first_issue.replace(
        b"MSitAE-SEPTEMBER-2024,RW1,NHS ENGLAND SOUTH EAST ,SOUTHERN HEALTH NHS FOUNDATION TRUST,0,",
        b"MSitAE-SEPTEMBER-2024,RW1,NHS ENGLAND SOUTH EAST ,SOUTHERN HEALTH NHS FOUNDATION TRUST,7,",
    )
    assert revised != first_issue
    bodies = [(first_issue, '"v1"'), (revised, '"v2"')]

    def handler(request: Request) -> Response:
        body, etag = bodies[0] if request.headers.get("If-None-Match") is None else bodies[1]
        return Response(body, headers={"ETag": etag})

    httpserver.expect_request(f"/files/{SEPTEMBER}").respond_with_handler(handler)
    cfg = config(httpserver.url_for(f"/files/{SEPTEMBER}"))
    fetch.fetch_source("ae", fetch_env, cfg)
    assert loader.ingest_source("ae", fresh_db, fetch_env)[0].status == "loaded"

    result = fetch.fetch_source("ae", fetch_env, cfg)
    assert [(r["status"], r["message"]) for r in result] == [
        ("fetched", "revised: new content at the same URL")
    ]
    assert (landing / "ae" / SEPTEMBER).read_bytes() == revised
    shas = [row[3] for row in fetch_log(fresh_db)]
    assert shas == [hashlib.sha256(first_issue).hexdigest(), hashlib.sha256(revised).hexdigest()]
    # the loader takes the revision as the next vintage of September
    second = loader.ingest_source("ae", fresh_db, fetch_env)
    assert [(r.status, r.vintage) for r in second] == [("loaded", 2)]


def test_server_error_is_retried_then_fails_cleanly(
    fetch_env, fresh_db, landing: Path, httpserver: HTTPServer
) -> None:  # noqa: ANN001
    # a path of this test's own: pytest-httpserver's server outlives each test, and a request of an
    # earlier test (a slow handler's, a retry's) can reach its log late, whatever the order
    path = f"/files/{uuid.uuid4().hex}/{OCTOBER}"
    httpserver.expect_request(path).respond_with_data("busy", status=500)
    with pytest.raises(fetch.FetchError, match=r"HTTP 500"):
        fetch.fetch_source("ae", fetch_env, config(httpserver.url_for(path), attempts=3))
    assert [r.path for r, _ in httpserver.log if r.path == path] == [path] * 3  # three attempts
    assert landed(landing) == []
    assert [row[:2] for row in fetch_log(fresh_db)] == [(OCTOBER, "failed")]


def test_a_500_then_a_good_response_is_fetched(
    fetch_env, fresh_db, landing: Path, httpserver: HTTPServer
) -> None:  # noqa: ANN001
    httpserver.expect_ordered_request(f"/files/{OCTOBER}").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request(f"/files/{OCTOBER}").respond_with_data(sample(OCTOBER))
    results = fetch.fetch_source("ae", fetch_env, config(httpserver.url_for(f"/files/{OCTOBER}")))
    assert [r["status"] for r in results] == ["fetched"]
    assert (landing / "ae" / OCTOBER).read_bytes() == sample(OCTOBER)


def test_timeout_is_retried_then_fails_without_writing(
    fetch_env, fresh_db, landing: Path, httpserver: HTTPServer
) -> None:  # noqa: ANN001
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(sample(OCTOBER))

    httpserver.expect_request(f"/files/{OCTOBER}").respond_with_handler(slow)
    with pytest.raises(fetch.FetchError, match=r"ReadTimeout"):
        fetch.fetch_source(
            "ae", fetch_env, config(httpserver.url_for(f"/files/{OCTOBER}"), timeout_seconds=0.3, attempts=2)
        )
    assert landed(landing) == []
    assert fetch_log(fresh_db)[0][1] == "failed"
    # the server answers one request at a time: the second slow answer comes ~2 s after the first
    # request, later than the autouse wait; it would land in the next test's log (seen: the size
    # limit test counted it as a retry)
    deadline = time.monotonic() + 10
    while len(httpserver.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(httpserver.log) == 2  # both attempts reached the server


def test_truncated_body_is_not_written(fetch_env, fresh_db, landing: Path, httpserver: HTTPServer) -> None:  # noqa: ANN001
    body = sample(OCTOBER)

    def truncated(request: Request) -> Response:
        response = Response(body[:10_000])
        response.headers["Content-Length"] = str(len(body))  # the server dies mid-body
        return response

    httpserver.expect_request(f"/files/{OCTOBER}").respond_with_handler(truncated)
    with pytest.raises(fetch.FetchError, match=r"(?i)truncated|incomplete|RemoteProtocolError"):
        fetch.fetch_source("ae", fetch_env, config(httpserver.url_for(f"/files/{OCTOBER}"), attempts=2))
    assert landed(landing) == []
    assert not list((landing / fetch.TEMP_FOLDER).iterdir())
    assert fetch_log(fresh_db)[0][1] == "failed"


def test_file_over_the_size_limit_is_refused(
    fetch_env, fresh_db, landing: Path, httpserver: HTTPServer
) -> None:  # noqa: ANN001
    httpserver.expect_request(f"/files/{OCTOBER}").respond_with_data(sample(OCTOBER))
    with pytest.raises(fetch.FetchError, match=r"over the limit of 20000"):
        fetch.fetch_source("ae", fetch_env, config(httpserver.url_for(f"/files/{OCTOBER}"), max_bytes=20_000))
    assert len(httpserver.log) == 1  # not retried: it would be refused again
    assert landed(landing) == []


def test_no_url_configured_fetches_nothing(fetch_env, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("FETCH_URL_AE", raising=False)
    assert fetch.fetch_source("ae", fetch_env) == []
