"""Where a sharded index lives, and which shard holds an article.

    index_dir/shards-4/
      shards.json             format, shard count, placement rule, settings fingerprint, documents folder, and the
                              build folder in use (replaced atomically: a rebuild swaps in whole)
      build.lock              one full build at a time
      b-20261203T101500-77/   one full build:
        shard-00/ ... shard-03/   each a normal qa index folder (`qa.index.store`: CURRENT, versions), holding the
                                  articles whose id hashes to it; live writes add versions there

The shard of an article is `sha256(id) mod shards`: the same on every machine, in every process and release (not
Python's `hash()`, which changes between processes). A sharded index sits beside the folder's single index (in
the same `index_dir`), so both can be kept; each shard count has its own folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.index.store import current_version, fingerprint, fsync_dir

SHARDS_FORMAT = 1
SHARDS_FILE = "shards.json"
PLACEMENT = "sha256(utf-8 id), first 8 bytes big-endian, mod shards"
MAX_SHARDS = 64


def shard_of(document_id: str, n_shards: int) -> int:
    """The shard that holds the article `document_id` (stable: see the module docstring)."""
    digest = hashlib.sha256(document_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n_shards


@dataclass(frozen=True, slots=True)
class Layout:
    """The folder of a sharded index with `n_shards` shards."""

    root: Path
    n_shards: int

    @classmethod
    def of(cls, settings: Settings, n_shards: int) -> Layout:
        if not 1 <= n_shards <= MAX_SHARDS:
            raise ValueError(f"shards must be between 1 and {MAX_SHARDS}, not {n_shards}")
        return cls(settings.resolved_index_dir() / f"shards-{n_shards}", n_shards)

    def manifest(self) -> dict[str, Any] | None:
        """`shards.json`, or None when there is no complete build yet."""
        try:
            found: dict[str, Any] = json.loads((self.root / SHARDS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found

    def build_dir(self) -> Path | None:
        """The build folder in use (None: none yet)."""
        manifest = self.manifest()
        return self.root / manifest["build"] if manifest and "build" in manifest else None

    def shard_dir(self, build: Path, shard: int) -> Path:
        """The index folder of one shard of a build."""
        return build / f"shard-{shard:02d}"

    def versions(self, build: Path) -> list[Path]:
        """The current version folder of every shard of `build` (an IndexFormatError-free check is the caller's)."""
        found = []
        for shard in range(self.n_shards):
            version = current_version(self.shard_dir(build, shard))
            if version is None:
                raise FileNotFoundError(f"shard {shard} of {build} has no index version")
            found.append(version)
        return found

    def matches(self, manifest: dict[str, Any], settings: Settings) -> bool:
        """Whether a build was made with these settings, for this folder, with this many shards."""
        return (manifest.get("format") == SHARDS_FORMAT and manifest.get("shards") == self.n_shards
                and manifest.get("settings") == fingerprint(settings)
                and manifest.get("documents") == str(settings.documents.resolve()))

    def publish(self, build: Path, settings: Settings) -> None:
        """Make `build` the one in use: `shards.json` is replaced atomically, then older builds are removed (open
        memory maps of them stay valid)."""
        manifest = {"format": SHARDS_FORMAT, "shards": self.n_shards, "placement": PLACEMENT,
                    "settings": fingerprint(settings), "documents": str(settings.documents.resolve()),
                    "build": build.name, "built_at": datetime.now(UTC).isoformat(timespec="seconds")}
        pointer = self.root / f"{SHARDS_FILE}.{os.getpid()}.tmp"
        with open(pointer, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.root / SHARDS_FILE)
        fsync_dir(self.root)
        for child in self.root.iterdir():
            if child.is_dir() and child.name.startswith("b-") and child.name != build.name:
                shutil.rmtree(child, ignore_errors=True)

