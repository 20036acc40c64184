"""The landing scan: every file under LANDING_DIR, in any folder, classified against every source.

One pass over the landing folder (recursively; the folder a file sits in is not used) peeks at
each file once (``oversight.peek``) and asks every source to ``recognise`` it. The verdict per file:

1. **Content first.** The sources whose ``recognise`` matched (header row, title block, row shape,
   ``Period`` values) compete on score (0-100, see ``HeaderFit.score``): the highest wins; two
   sources matching with the same top score is ``ambiguous`` (an error reported, never a guess).
2. **Else the publisher's file name.** If no content matched but the name is exactly one source's
   publisher name (``SourceSpec.file_pattern``), that source takes the file: its row rules then
   quarantine it naming the rule it breaks (an empty file, a broken header), which says more than
   "unrecognised". Two sources claiming the name is ``ambiguous``.
3. **Else unrecognised**, with the source that came closest (highest score) and why.

A recognised file's period and revision are what ``recognise`` says: the period from inside the
file where the file states it (A&E ``Period`` column, MHSDS ``REPORTING_PERIOD_END``, finance
``period``...), else from the name; the revision from the name (``-revised``, ``-v2``). A file whose
name states another period than its content is ``conflict``: the loader quarantines it with both
values in the reason.

Refused (``refused``, before anything reads the file; ``oversight.hostile``): symbolic links and
paths resolving outside the landing folder (never followed), and workbooks / ZIPs whose central
directory breaks an archive limit (member count, uncompressed size, compression ratio). A refused
file goes to no source, whatever its name: it gets an ``unrecognised`` manifest row whose message
starts ``refused:`` and names the limit or the link.

Not scanned (``IGNORED``): dot files, and the documentation and scripts that travel with data
folders (``README*``, ``*.md``, ``*.py``, ``*.reason.txt``). Every other file gets a manifest row.

Every file gets a ``raw.load_manifest`` row (``oversight.loader``): ``loaded``, ``duplicate`` (the
same content, by sha256, under another name or path), ``quarantined`` (with the reason), or
``unrecognised`` (unrecognised and ambiguous files: source null, ``closest_source`` and the reason).
When: every ingestion run scans, loads its own source's files and records the files no source
takes, once per landing path and sha256 (a unique index; a re-run adds nothing). So a stray file is
accounted for by the first ingestion DAG that runs after it lands, without a DAG of its own.

Each Airflow task process scans afresh (a file may arrive at any time); within one process the
peek, the verdict and the sha256 of an unchanged file (same size and mtime) are reused, so the
thirteen ingestion DAGs of ``make run`` peek each file once.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from oversight import hostile
from oversight.errors import BadInputError
from oversight.peek import Peek, peek
from oversight.settings import Settings, get_settings
from oversight.sources import SOURCES
from oversight.sources.base import FileInfo, Recognition, SourceSpec, not_recognised

log = logging.getLogger(__name__)

IGNORED = (".*", "README*", "*.md", "*.py", "*.reason.txt")

# Verdicts of the scan (ScannedFile.verdict)
RECOGNISED = "recognised"
CONFLICT = "conflict"  # recognised, but name and content state different periods
AMBIGUOUS = "ambiguous"
UNRECOGNISED = "unrecognised"
REFUSED = "refused"  # a symlink, a path outside the landing folder, an archive over a limit


@dataclass(frozen=True)
class ScannedFile:
    """One landing file and what the scan made of it."""

    path: Path
    relative: str  # path under the landing folder, e.g. "ae/April-2025-CSV-revised.csv"
    size: int
    sha256: str
    kind: str
    verdict: str  # recognised | conflict | ambiguous | unrecognised
    source: str | None  # the source the file belongs to (recognised or conflict)
    period: date | None
    revision: int
    reason: str
    closest: str | None = None  # unrecognised / ambiguous: the source that came closest
    by_name: bool = False  # taken by the publisher-name rule: the loader reads the name (file_info)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def info(self) -> FileInfo:
        return FileInfo(period=self.period, revision=self.revision)

    def order(self) -> tuple:
        return (self.period or date.min, self.revision, self.relative)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_ignored(relative: Path) -> bool:
    """Dot files and files in dot folders, and the documentation/scripts of ``IGNORED``."""
    return any(part.startswith(".") for part in relative.parts) or any(
        fnmatch.fnmatch(relative.name, pattern) for pattern in IGNORED
    )


def landing_files(landing_dir: Path) -> list[Path]:
    """Every file under the landing folder, in any sub-folder, except the ``IGNORED`` ones; symbolic
    links too (to files or folders; never followed: the scan refuses them, naming the link)."""
    if not landing_dir.is_dir():
        return []
    return sorted(
        p
        for p in landing_dir.rglob("*")
        if (p.is_symlink() or p.is_file()) and not is_ignored(p.relative_to(landing_dir))
    )


_CACHE: dict[tuple, ScannedFile] = {}


def scan(
    landing_dir: Path, sources: dict[str, SourceSpec] | None = None, settings: Settings | None = None
) -> list[ScannedFile]:
    """Classify every landing file; ordered by source, then period, revision and path."""
    sources = SOURCES if sources is None else sources
    settings = settings or get_settings()
    scanned = []
    for path in landing_files(landing_dir):
        relative = path.relative_to(landing_dir).as_posix()
        refused = hostile.path_refusal(path, landing_dir)
        if refused is not None:  # never stat, hash or peek through a link
            scanned.append(refused_file(path, relative, refused))
            continue
        stat = path.stat()
        limits = (settings.archive_max_members, settings.archive_max_bytes, settings.archive_max_ratio)
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, *limits)
        found = _CACHE.get(key) if sources is SOURCES else None
        if found is None:
            found = classify(path, relative, sources, settings)
            if sources is SOURCES:
                _CACHE[key] = found
        elif (found.path, found.relative) != (path, relative):  # the same file reached another way
            found = replace(found, path=path, relative=relative)
        scanned.append(found)
    return sorted(scanned, key=lambda f: (f.source or "", *f.order()))


def refused_file(path: Path, relative: str, reason: str, sha: str | None = None) -> ScannedFile:
    """A file the scan will not read (or not expand): no source takes it, whatever its name. A link
    is never hashed through: its sha256 is that of the reason (which names the link target)."""
    if sha is None:
        sha = hashlib.sha256(reason.encode()).hexdigest()
    return ScannedFile(
        path=path,
        relative=relative,
        size=path.lstat().st_size,
        sha256=sha,
        kind="link" if path.is_symlink() else "refused",
        verdict=REFUSED,
        source=None,
        period=None,
        revision=0,
        reason=reason,
    )


def classify(
    path: Path, relative: str, sources: dict[str, SourceSpec], settings: Settings | None = None
) -> ScannedFile:
    sha = sha256_of(path)
    refused = hostile.archive_refusal(path, settings or get_settings())
    if refused is not None:  # checked on the central directory, before the peek inflates anything
        return refused_file(path, relative, refused, sha)
    seen = peek(path)
    base = {"path": path, "relative": relative, "size": seen.size, "sha256": sha, "kind": seen.kind}
    verdicts = {name: _recognise(spec, seen) for name, spec in sources.items()}
    matched = sorted((r for r in verdicts.values() if r.matched), key=lambda r: -r.score)
    if not matched:
        named = [name for name, spec in sources.items() if spec.file_pattern.search(path.name)]
        if len(named) == 1:
            spec = sources[named[0]]
            return ScannedFile(
                **base,
                verdict=RECOGNISED,
                source=spec.name,
                period=_name_info(spec, path).period,
                revision=_name_info(spec, path).revision,
                reason=f"the publisher's {spec.name} file name (content: {verdicts[spec.name].reason})",
                by_name=True,
            )
        if len(named) > 1:
            return ScannedFile(
                **base,
                verdict=AMBIGUOUS,
                source=None,
                period=None,
                revision=0,
                reason=f"no source recognises the content; the name fits {' and '.join(named)} equally",
                closest=named[0],
            )
        closest = max(verdicts.values(), key=lambda r: r.score, default=None)
        if seen.kind == "binary":
            reason = (
                f"a binary file of {seen.size:,} bytes (not text, a workbook or a ZIP): no source reads it"
            )
        elif seen.error:
            reason = seen.error
        elif closest is None or closest.score == 0:
            reason = f"no source's layout comes close (a {seen.kind} file of {seen.size:,} bytes)"
        else:
            reason = (
                f"no source recognises it; closest: {closest.source} "
                f"(score {closest.score}: {closest.reason})"
            )
        return ScannedFile(
            **base,
            verdict=UNRECOGNISED,
            source=None,
            period=None,
            revision=0,
            reason=reason,
            closest=closest.source if closest and closest.score > 0 else None,
        )
    best = matched[0]
    if len(matched) > 1 and matched[1].score == best.score:
        tied = [r.source for r in matched if r.score == best.score]
        return ScannedFile(
            **base,
            verdict=AMBIGUOUS,
            source=None,
            period=None,
            revision=0,
            reason=f"recognised equally (score {best.score}) by {' and '.join(tied)}: "
            + "; ".join(f"{r.source}: {r.reason}" for r in matched if r.score == best.score),
            closest=tied[0],
        )
    if (
        best.period is not None
        and best.name_period is not None
        and best.period != best.name_period
        and best.period_basis != "file name"
    ):
        return ScannedFile(
            **base,
            verdict=CONFLICT,
            source=best.source,
            period=best.period,
            revision=best.revision,
            reason=f"the file name says {best.name_period:%B %Y} ({best.name_period}), its content says "
            f"{best.period:%B %Y} ({best.period}; {best.period_basis})",
        )
    return ScannedFile(
        **base,
        verdict=RECOGNISED,
        source=best.source,
        period=best.period,
        revision=best.revision,
        reason=best.reason,
    )


def _recognise(spec: SourceSpec, seen: Peek) -> Recognition:
    if seen.error:
        return not_recognised(spec.name, seen.error)
    try:
        return spec.recognise(seen)
    except Exception as exc:  # a source's bug must not hide the other files; it is named
        log.exception("%s.recognise failed on %s", spec.name, seen.path)
        return not_recognised(spec.name, f"recognise() failed: {type(exc).__name__}: {exc}")


def _name_info(spec: SourceSpec, path: Path) -> FileInfo:
    try:
        return spec.file_info(path)
    except BadInputError:  # the row rules report it, naming the rule
        return FileInfo(period=None)


def files_of(source: str, landing_dir: Path) -> list[ScannedFile]:
    """The landing files that belong to one source (recognised or in conflict), oldest first."""
    return [f for f in scan(landing_dir) if f.source == source]


def unaccounted(landing_dir: Path) -> list[ScannedFile]:
    """Files no source takes: unrecognised, ambiguous and refused."""
    return [f for f in scan(landing_dir) if f.source is None]
