"""Fetch a source's publications from the publisher into the landing folder (`fetch_<source>` task).

FETCH_URL_<SOURCE> lists publication pages and/or file URLs. A URL whose file name matches the
source's file pattern (the one the loader recognises files by) is a file; any other URL is a page,
whose links (stdlib html.parser) are kept when their file name matches that pattern: NHS England's
statistics pages link every month's files.

Each file is downloaded only when it changed: the last ETag / Last-Modified seen for its URL are sent
back (If-None-Match / If-Modified-Since, so a 304 costs no body), and a 200 whose sha256 equals the
last fetched one (or the file already in the landing folder) is not written again. A download is
streamed to a temporary file beside the landing folder and moved in with os.replace only once it is
complete (Content-Length matched) and within FETCH_MAX_BYTES, so the loader never sees half a file.
5xx, 429, timeouts and truncated bodies are retried with exponential back-off (tenacity); every
attempt's outcome is recorded in raw.fetch_log. The loader then treats a fetched file exactly like a
hand-placed one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
import tenacity

from oversight import warehouse
from oversight.settings import RAW_SCHEMA, FetchSettings, Settings, get_fetch_settings, get_settings

log = logging.getLogger(__name__)

TEMP_FOLDER = ".fetch"  # under LANDING_DIR: same filesystem as the landing folders, so os.replace is atomic
USER_AGENT = "nhs-oversight-warehouse fetch (+https://github.com/)"

FETCH_LOG_SQL = f"""
create table if not exists {RAW_SCHEMA}.fetch_log (
    fetch_id        bigserial primary key,
    source          text not null,
    url             text not null,
    file_name       text not null,
    status          text not null check (status in ('fetched', 'unchanged', 'failed')),
    http_status     integer,
    etag            text,
    last_modified   text,
    file_sha256     text,
    file_bytes      bigint,
    message         text,
    fetched_at      timestamptz not null default now()
);
create index if not exists fetch_log_by_url on {RAW_SCHEMA}.fetch_log (source, url, fetch_id);
comment on table {RAW_SCHEMA}.fetch_log is
    'One row per file URL and fetch: fetched (written to the landing folder), unchanged (304, or the '
    'same sha256 as before) or failed (with the reason). ETag / Last-Modified are sent back next time.';
"""


class FetchError(RuntimeError):
    """A download that did not produce a complete file; nothing was written to the landing folder."""


class TransientFetchError(FetchError):
    """Worth retrying: a 5xx or 429, a timeout, a connection reset, a truncated body."""


@dataclass
class FetchResult:
    source: str
    url: str
    file_name: str
    status: str  # fetched | unchanged | failed
    http_status: int | None = None
    file_sha256: str | None = None
    file_bytes: int | None = None
    message: str | None = None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def file_name_of(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def page_links(html: str, base_url: str, pattern: re.Pattern[str]) -> list[str]:
    """Absolute URLs of the page's links whose file name matches `pattern`, in page order, once each."""
    parser = _Links()
    parser.feed(html)
    seen: dict[str, None] = {}
    for href in parser.hrefs:
        url = urljoin(base_url, href.strip())
        if urlsplit(url).scheme in ("http", "https") and pattern.search(file_name_of(url)):
            seen.setdefault(url, None)
    return list(seen)


def _retrying(config: FetchSettings) -> tenacity.Retrying:
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(1, config.attempts)),
        wait=tenacity.wait_exponential(multiplier=config.backoff_seconds, max=60),
        retry=tenacity.retry_if_exception_type(TransientFetchError),
        before_sleep=lambda state: log.warning(
            "fetch attempt %d failed (%s); retrying", state.attempt_number, state.outcome.exception()
        ),
        reraise=True,
    )


def _check_status(response: httpx.Response) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientFetchError(f"HTTP {response.status_code} from {response.url}")
    if response.status_code >= 400:
        raise FetchError(f"HTTP {response.status_code} from {response.url}")


def _get_page(client: httpx.Client, url: str, config: FetchSettings) -> str:
    def attempt() -> str:
        try:
            response = client.get(url)
        except httpx.TransportError as error:
            raise TransientFetchError(f"{type(error).__name__} reading {url}: {error}") from error
        _check_status(response)
        return response.text

    return _retrying(config)(attempt)


def _download(
    client: httpx.Client, url: str, headers: dict[str, str], temp: Path, config: FetchSettings
) -> tuple[int, httpx.Headers, str | None, int]:
    """One attempt: stream the body into `temp`. Returns (status, headers, sha256, bytes)."""
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return 304, response.headers, None, 0
            _check_status(response)
            declared = response.headers.get("content-length")
            if declared is not None and int(declared) > config.max_bytes:
                raise FetchError(f"{url}: {declared} bytes is over the limit of {config.max_bytes}")
            digest, size = hashlib.sha256(), 0
            with temp.open("wb") as out:
                for chunk in response.iter_raw():
                    size += len(chunk)
                    if size > config.max_bytes:
                        raise FetchError(f"{url}: more than the limit of {config.max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if declared is not None and size != int(declared):
                raise TransientFetchError(f"{url}: truncated body, {size} of {declared} bytes")
            return response.status_code, response.headers, digest.hexdigest(), size
    except httpx.TransportError as error:  # timeouts, resets, a body cut short by the server
        raise TransientFetchError(f"{type(error).__name__} downloading {url}: {error}") from error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_file(
    client: httpx.Client,
    conn: Any,
    source: str,
    url: str,
    folder: Path,
    temp_dir: Path,
    config: FetchSettings,
) -> FetchResult:
    name = file_name_of(url)
    last = conn.execute(
        f"select etag, last_modified, file_sha256 from {RAW_SCHEMA}.fetch_log "
        "where source = %s and url = %s and status in ('fetched', 'unchanged') "
        "order by fetch_id desc limit 1",
        (source, url),
    ).fetchone()
    target = folder / name
    headers: dict[str, str] = {}
    if last and target.exists():  # conditional only while the file we fetched is still there
        if last[0]:
            headers["If-None-Match"] = last[0]
        if last[1]:
            headers["If-Modified-Since"] = last[1]
    temp = temp_dir / f"{name}.{os.getpid()}.part"
    result = FetchResult(source, url, name, "failed")
    etag = last_modified = None
    try:
        status, response_headers, sha, size = _retrying(config)(_download, client, url, headers, temp, config)
        result.http_status = status
        etag, last_modified = response_headers.get("etag"), response_headers.get("last-modified")
        if status == 304:
            result.status, result.file_sha256, result.message = "unchanged", last[2], "304 not modified"
            etag, last_modified = etag or last[0], last_modified or last[1]
        elif (last and last[2] == sha) or (target.exists() and _sha256(target) == sha):
            result.status, result.file_sha256, result.file_bytes = "unchanged", sha, size
            result.message = "same sha256 as the file already fetched"
        else:
            folder.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            if last_modified:
                try:
                    stamp = parsedate_to_datetime(last_modified).timestamp()
                    os.utime(target, (stamp, stamp))
                except (TypeError, ValueError):
                    pass
            result.status, result.file_sha256, result.file_bytes = "fetched", sha, size
            result.message = "revised: new content at the same URL" if last else "new file"
    except FetchError as error:
        result.message = str(error)
    finally:
        temp.unlink(missing_ok=True)
    conn.execute(
        f"insert into {RAW_SCHEMA}.fetch_log (source, url, file_name, status, http_status, etag, "
        "last_modified, file_sha256, file_bytes, message) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            source,
            url,
            name,
            result.status,
            result.http_status,
            etag,
            last_modified,
            result.file_sha256,
            result.file_bytes,
            result.message,
        ),
    )
    conn.commit()
    log.info("fetch %s %s: %s (%s)", source, name, result.status, result.message)
    return result


def fetch_source(
    source: str, settings: Settings | None = None, config: FetchSettings | None = None
) -> list[dict[str, Any]]:
    """Fetch every new or revised file of one source; one dict per file URL. Raises FetchError,
    after the other files were fetched and recorded, if any file or page could not be fetched."""
    from oversight.sources import get_source

    settings = settings or get_settings()
    config = config or get_fetch_settings(source)
    if not config.urls:
        log.info(
            "fetch %s: no FETCH_URL_%s configured; only hand-placed files are loaded", source, source.upper()
        )
        return []
    spec = get_source(source)
    folder = settings.landing_dir / getattr(spec, "landing_folder", spec.name)
    temp_dir = settings.landing_dir / TEMP_FOLDER
    temp_dir.mkdir(parents=True, exist_ok=True)
    target = warehouse.resolve(settings)
    timeout = httpx.Timeout(config.timeout_seconds)
    results: list[FetchResult] = []
    problems: list[str] = []
    with (
        httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}) as client,
        warehouse.connect(target) as conn,
    ):
        conn.execute(FETCH_LOG_SQL)
        conn.commit()
        file_urls: dict[str, None] = {}
        for url in config.urls:
            if spec.file_pattern.search(file_name_of(url)):
                file_urls.setdefault(url, None)
                continue
            try:
                links = page_links(_get_page(client, url, config), url, spec.file_pattern)
            except FetchError as error:
                problems.append(f"page {url}: {error}")
                continue
            log.info("fetch %s: page %s links %d matching file(s)", source, url, len(links))
            if not links:
                problems.append(f"page {url}: no link matches the {source} file pattern")
            for link in links:
                file_urls.setdefault(link, None)
        for url in file_urls:
            result = fetch_file(client, conn, source, url, folder, temp_dir, config)
            results.append(result)
            if result.status == "failed":
                problems.append(f"{url}: {result.message}")
    if problems:
        raise FetchError(f"fetch {source}: {len(problems)} problem(s):\n" + "\n".join(problems))
    return [asdict(r) for r in results]
