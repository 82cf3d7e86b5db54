"""The Parquet store of channel facts, partitioned by workspace and period.

Layout under the data directory::

    <analytics dir>/ws-<workspace id>/channel/
        manifest.json                       the files that make up the data now
        period=2026-03-01/<load id>-<n>.parquet
        .lock                               serialises writers

Readers take the file list from `manifest.json`, never from a directory listing, so a load
(or a correction that replaces some (partner, period) slices) becomes visible all at once when
the new manifest is moved into place with one atomic rename. Files no longer listed are removed
after the swap.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

# The stored columns, in order. Money is exact (decimal), never float.
MONEY = pa.decimal128(18, 2)
SCHEMA = pa.schema(
    [
        ("partner_id", pa.int64()),
        ("period", pa.date32()),
        ("date", pa.date32()),
        ("sku", pa.string()),
        ("product_line", pa.string()),
        ("account", pa.string()),
        ("order_id", pa.string()),
        ("quantity", pa.float64()),
        ("amount", MONEY),
        ("currency", pa.string()),
        ("amount_base", MONEY),
    ]
)
COLUMNS = tuple(SCHEMA.names)


@dataclass
class StoredFile:
    """One Parquet file of the store: which load wrote it, which period and partners it holds."""

    path: str  # relative to the dataset directory
    load: str
    period: str  # ISO date of the month's first day
    rows: int
    partners: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "load": self.load,
            "period": self.period,
            "rows": self.rows,
            "partners": self.partners,
        }


class ChannelStore:
    """The channel facts of one workspace."""

    def __init__(self, root: Path, workspace_id: int):
        self.root = Path(root) / f"ws-{int(workspace_id)}" / "channel"

    # ----------------------------------------------------------------------------- reading
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def files(self) -> list[StoredFile]:
        """The files that make up the data now (empty when nothing was loaded)."""
        try:
            data = json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            return []
        return [StoredFile(**entry) for entry in data.get("files", [])]

    def paths(self) -> list[str]:
        """Absolute paths of the current files, for a query engine."""
        return [str(self.root / stored.path) for stored in self.files()]

    def slices(self) -> set[tuple[int, str]]:
        """Every (partner id, period) that holds data."""
        return {(partner, stored.period) for stored in self.files() for partner in stored.partners}

    def rows(self) -> int:
        return sum(stored.rows for stored in self.files())

    # ----------------------------------------------------------------------------- writing
    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writer's lock: one load or correction at a time per workspace."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def new_path(self, load: str, period: str) -> tuple[Path, str]:
        """A fresh file name for `load` in `period` (absolute, relative)."""
        relative = f"period={period}/{load}-{uuid.uuid4().hex[:8]}.parquet"
        absolute = self.root / relative
        absolute.parent.mkdir(parents=True, exist_ok=True)
        return absolute, relative

    def commit(self, *, add: list[StoredFile], remove: list[StoredFile]) -> None:
        """Swap in a new manifest (atomically), then delete the files it no longer lists.
        Call while holding `locked()`."""
        removed = {stored.path for stored in remove}
        current = [stored for stored in self.files() if stored.path not in removed]
        current.extend(add)
        current.sort(key=lambda stored: (stored.period, stored.path))
        temporary = self.root / f".manifest-{uuid.uuid4().hex}.json"
        temporary.write_text(
            json.dumps({"version": 1, "files": [stored.as_dict() for stored in current]})
        )
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self.manifest_path)
        for path in removed:
            (self.root / path).unlink(missing_ok=True)

    def discard(self, paths: list[Path]) -> None:
        """Remove files written by a load that did not commit."""
        for path in paths:
            Path(path).unlink(missing_ok=True)

    def clear(self) -> None:
        """Forget every file (for a workspace created afresh, e.g. the demo's)."""
        import shutil

        shutil.rmtree(self.root, ignore_errors=True)

    def remove_load(self, load: str) -> int:
        """Take every row a load brought out of the data (used when a load is withdrawn).
        Returns the rows removed."""
        with self.locked():
            gone = [stored for stored in self.files() if stored.load == load]
            self.commit(add=[], remove=gone)
        return sum(stored.rows for stored in gone)
