"""What an index version holds of its documents folder, and what changed in the folder since.

    >>> state = FolderState.of(index.manifest)                                        # doctest: +SKIP
    >>> plan = plan_changes(state, scan_documents(Path("documents")))                  # doctest: +SKIP
    >>> plan.summary()                                                                 # doctest: +SKIP
    '3 files added, 1 changed and 1 removed'

Every version records each article file it read (path, size, modification time, SHA-256 of the bytes, the
document id base, and why parts were skipped), the entries it did not open (other file types, pipes, broken
links...), and when the scan began. `plan_changes` compares that with a new scan without reading a file whose
size and modification time are unchanged, except one modified within `RACY_NS` of the recorded scan: it may
have changed again within the same clock tick, so its content hash decides (git calls such entries "racily
clean"). A file whose stamp changed but whose bytes did not is only re-stamped, never re-read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.corpus.scan import FileRecord, FileStamp, Scan
from qa.models import SkippedFile

RACY_NS = 2_000_000_000
"""A file modified less than this before the scan that recorded it is checked by content on the next one."""


@dataclass(slots=True)
class FolderState:
    """The folder as one index version saw it."""

    documents: str
    records: dict[str, FileRecord]
    others: list[SkippedFile] = field(default_factory=list)
    scanned_ns: int = 0

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> FolderState:
        records = (FileRecord.from_json(row) for row in manifest.get("files", []))
        return cls(manifest.get("documents", ""), {record.source: record for record in records},
                   [SkippedFile(**item) for item in manifest.get("others", [])], manifest.get("scanned_ns", 0))

    def skipped(self) -> list[SkippedFile]:
        """Every file, or part of one, that is not in the index, with the reason; each once, sorted by path."""
        found = list(self.others)
        found += [SkippedFile(record.source, reason) for record in self.records.values() for reason in record.skipped]
        return sorted(found, key=lambda item: item.source)

    def to_manifest(self) -> dict[str, Any]:
        return {"documents": self.documents, "scanned_ns": self.scanned_ns,
                "files": [record.to_json() for record in sorted(self.records.values(), key=lambda r: r.source)],
                "others": [{"source": s.source, "reason": s.reason} for s in self.others],
                "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped()]}


@dataclass(slots=True)
class Plan:
    """What a new scan found changed: files to read (new, changed, or given another id), files gone, files only
    re-stamped, and whether the entries that are not opened changed."""

    read: list[tuple[Path, FileStamp]] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    removed: list[str] = field(default_factory=list)
    restamped: dict[str, FileRecord] = field(default_factory=dict)
    others_changed: bool = False

    def __bool__(self) -> bool:
        return bool(self.read or self.removed or self.restamped or self.others_changed)

    def summary(self) -> str:
        """What changed, as a clause a sentence can go on from: "3 files added, 1 changed and 1 removed",
        "1 file touched but unchanged". Counts of none are left out, and the parts are not parenthesised, so
        that a caller can append the index's own counts without a second pair of brackets."""
        counts = [(self.added, "added"), (self.changed, "changed"), (len(self.removed), "removed"),
                  (len(self.restamped), "touched but unchanged")]
        parts = [f"{number} {what}" for number, what in counts if number]
        if not parts:
            return "no article changed, only skipped files"
        number, _, rest = parts[0].partition(" ")
        parts[0] = f"{number} {'file' if number == '1' else 'files'} {rest}"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def plan_changes(state: FolderState, scan: Scan) -> Plan:
    """Compare the recorded folder with `scan` (reading only files whose stamp changed or is racy)."""
    plan = Plan()
    bases = scan.base_ids()
    seen = set()
    for path, stamp in scan.files:
        seen.add(stamp.source)
        record = state.records.get(stamp.source)
        if record is None:
            plan.read.append((path, stamp))
            plan.added += 1
            continue
        if record.base != bases[stamp.source]:  # a.md appeared beside a.txt: the id of a.txt changes
            plan.read.append((path, stamp))
            plan.changed += 1
            continue
        same_stamp = record.size == stamp.size and record.mtime_ns == stamp.mtime_ns
        if record.digest is None:  # unreadable last time (permissions fixed do not change the stamp): try again
            if file_digest(path) is not None:
                plan.read.append((path, stamp))
                plan.changed += 1
            continue
        if same_stamp and stamp.mtime_ns < state.scanned_ns - RACY_NS:
            continue
        digest = file_digest(path)
        if digest is not None and digest == record.digest:
            if not same_stamp:
                plan.restamped[stamp.source] = FileRecord(stamp.source, stamp.size, stamp.mtime_ns, digest,
                                                          record.base, record.skipped)
            continue
        plan.read.append((path, stamp))
        plan.changed += 1
    plan.removed = sorted(source for source in state.records if source not in seen)
    plan.others_changed = sorted((s.source, s.reason) for s in scan.others) != \
        sorted((s.source, s.reason) for s in state.others)
    return plan


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file's bytes; None when it cannot be read (it is then read again, and skipped with why)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None
