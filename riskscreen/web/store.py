"""Uploads in progress: one private temporary folder per upload, owned by one browser session.

The user's file is saved under a fixed name (`supplier-file` + an allowed extension), never under
the name the browser sent; that name is kept in memory for display only. Folders are deleted when
the user finishes, after `max_age_s` (an hour by default), and when the server stops.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, BinaryIO

from riskscreen.errors import InputError

__all__ = ["ALLOWED_SUFFIXES", "Upload", "UploadStore", "display_name", "size_text", "too_big"]

#: Extensions an upload may have (what `read_suppliers` reads); anything else is refused.
ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".tsv", ".parquet")
STORED_STEM = "supplier-file"
_CHUNK = 1 << 20


def display_name(raw: str | None) -> str:
    """The file name as the user knows it (last path part, at most 200 characters); display only."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    return (name or "upload")[:200]


@dataclass
class Upload:
    """One uploaded file and everything the pages show about it."""

    id: str
    owner: str
    folder: Path
    name: str  # as the user named it: shown on pages, never used as a path
    path: Path
    created: float
    sheet: str | int | None = None
    min_tier: str | None = None
    product: str | None = None
    table: Any = None  # SupplierTable as read for the column page
    roles: Any = None  # ColumnRoles detected (or corrected)
    state: str = "uploaded"  # uploaded → queued → running → done | failed
    stage: str = ""
    error: str | None = None
    run: Any = None  # ScreenRun once done
    files: dict[str, Path] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def user_message(self, text: str) -> str:
        """A library message with our stored path and file name replaced by the user's name."""
        return text.replace(str(self.path), self.name).replace(self.path.name, self.name)


class UploadStore:
    """Thread-safe map of upload id → `Upload`, each in its own folder under one private root."""

    def __init__(self, max_bytes: int, max_age_s: float = 3600.0) -> None:
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self.root = Path(tempfile.mkdtemp(prefix="riskscreen-web-"))
        self._uploads: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def add(self, owner: str, raw_name: str | None, stream: BinaryIO) -> Upload:
        """Copy `stream` into a new upload folder; refuse unknown extensions and over-size files."""
        name = display_name(raw_name)
        suffix = PurePosixPath(name.lower()).suffix
        if suffix not in ALLOWED_SUFFIXES:
            raise InputError(
                f"{name}: riskscreen reads {', '.join(ALLOWED_SUFFIXES)} files; save the sheet "
                "in one of these formats and upload it again"
            )
        self.sweep()
        upload_id = secrets.token_urlsafe(18)
        folder = Path(tempfile.mkdtemp(prefix="u-", dir=self.root))
        path = folder / f"{STORED_STEM}{suffix}"
        size = 0
        try:
            with path.open("wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise InputError(too_big(name, self.max_bytes))
                    out.write(chunk)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if size == 0:
            shutil.rmtree(folder, ignore_errors=True)
            raise InputError(f"{name}: the file is empty; choose the supplier file again")
        upload = Upload(id=upload_id, owner=owner, folder=folder, name=name, path=path,
                        created=time.time())
        with self._lock:
            self._uploads[upload_id] = upload
        return upload

    def get(self, upload_id: str, owner: str) -> Upload | None:
        """The upload if it exists, has not expired and belongs to this browser session."""
        with self._lock:
            upload = self._uploads.get(upload_id)
        if upload is None or not secrets.compare_digest(upload.owner, owner):
            return None
        if time.time() - upload.created > self.max_age_s:
            self.remove(upload_id)
            return None
        return upload

    def remove(self, upload_id: str) -> None:
        """Forget the upload and delete its folder (input, workbook, CSV)."""
        with self._lock:
            upload = self._uploads.pop(upload_id, None)
        if upload is not None:
            shutil.rmtree(upload.folder, ignore_errors=True)

    def sweep(self) -> int:
        """Delete uploads older than `max_age_s`; returns how many went."""
        now = time.time()
        with self._lock:
            old = [k for k, u in self._uploads.items() if now - u.created > self.max_age_s]
        for key in old:
            self.remove(key)
        return len(old)

    def __len__(self) -> int:
        with self._lock:
            return len(self._uploads)

    def close(self) -> None:
        """Delete every upload and the root folder (server shutdown)."""
        with self._lock:
            self._uploads.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def size_text(n: int) -> str:
    """Bytes for people: '50 MB', '10 kB'."""
    return f"{n / 1e6:.0f} MB" if n >= 1_000_000 else f"{n / 1e3:.0f} kB"


def too_big(name: str, max_bytes: int) -> str:
    """The message for a file over the upload limit."""
    return (f"{name} is larger than the upload limit of {size_text(max_bytes)}; screen it "
            "with the command line (riskscreen screen FILE -o report.xlsx), or split it")
