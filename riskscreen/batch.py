"""Screen many supplier files in one run: one output per input, an index and a run manifest.

Auditors screen a client's files together and file the result. The reference, model and
watchlists load once; each input is screened and written on its own, so one unreadable file
does not stop the others (its index row carries the message). `run_batch` writes

* `<out>/<input stem>.xlsx` (or `.csv` / `.parquet`) per input,
* `<out>/index.xlsx`: one row per input — file, status or error, SHA-256, rows, flagged, to
  review, rows per tier, editions, output;
* `<out>/run.json`: the manifest — tool version, reference editions and source checksums,
  watchlist editions, options and thresholds, and per input its path, SHA-256, rows and output.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from riskscreen import __version__
from riskscreen.checksum import file_sha256
from riskscreen.errors import InputError, RiskscreenError
from riskscreen.io.atomic import atomic_output
from riskscreen.io.report import write_sheet_workbook
from riskscreen.pipeline import _load_defaults, run_screen, write_outputs
from riskscreen.run_meta import model_summary, watchlist_editions
from riskscreen.scoring import load_thresholds
from riskscreen.tiers import TIERS

__all__ = ["BATCH_FORMATS", "EXIT_SOME_FAILED", "BatchItem", "BatchResult", "expand_inputs",
           "run_batch"]

#: Output formats of a batch (one file per input).
BATCH_FORMATS = ("xlsx", "csv", "parquet")
#: Exit code when the batch ran but at least one input failed (its index row says why).
EXIT_SOME_FAILED = 3
#: File types a folder input contributes (other files in the folder are ignored).
INPUT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".parquet")
_RESERVED = {"index", "run"}
_TIERS = TIERS


@dataclass
class BatchItem:
    """One input of a batch: where it came from, what happened, and what was written."""

    path: Path
    output: Path | None = None
    status: str = "pending"
    error: str | None = None
    sha256: str | None = None
    rows: int | None = None
    flagged: int | None = None
    to_review: int | None = None
    tiers: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def record(self) -> dict[str, Any]:
        """This input as the manifest records it."""
        return {"path": str(self.path), "sha256": self.sha256, "rows": self.rows,
                "output": str(self.output) if self.output and self.status == "ok" else None,
                "status": self.status, "error": self.error}


@dataclass
class BatchResult:
    """Every input's outcome plus the index and manifest paths."""

    items: list[BatchItem]
    index_path: Path
    manifest_path: Path

    @property
    def failed(self) -> list[BatchItem]:
        return [item for item in self.items if item.status != "ok"]

    @property
    def exit_code(self) -> int:
        """0 when every input was screened; `EXIT_SOME_FAILED` (3) otherwise."""
        return EXIT_SOME_FAILED if self.failed else 0


def expand_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    """Input files in the order given; a folder contributes its supplier files, sorted by name
    (hidden files and Excel's `~$` lock files skipped, no recursion)."""
    paths: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                and not p.name.startswith((".", "~$"))
            )
            if not found:
                raise InputError(f"folder {path} holds no supplier files "
                                 f"({', '.join(INPUT_SUFFIXES)})")
            paths.extend(found)
        else:
            paths.append(path)
    if not paths:
        raise InputError("no input files given")
    seen: set[Path] = set()
    unique = []
    for path in paths:  # the same file named twice is screened once
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _output_names(paths: Sequence[Path], fmt: str) -> list[str]:
    """`<stem>.<fmt>` per input; a clash (a.csv and a.xlsx, or a stem 'index'/'run') gets the
    input's extension added, then a number."""
    names: list[str] = []
    taken = {f"{r}.{f}" for r in _RESERVED for f in ("xlsx", "json")}
    stems = [p.stem for p in paths]
    for path, stem in zip(paths, stems, strict=True):
        base = stem
        if stems.count(stem) > 1 or stem.lower() in _RESERVED:
            base = f"{stem}_{path.suffix.lstrip('.').lower() or 'file'}"
        name, n = f"{base}.{fmt}", 1
        while name.lower() in taken:
            n += 1
            name = f"{base}_{n}.{fmt}"
        taken.add(name.lower())
        names.append(name)
    return names


def _safe_sha(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except OSError:
        return None


def _message(exc: BaseException) -> str:
    if isinstance(exc, RiskscreenError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
    return f"unexpected {type(exc).__name__}: {exc} (run one file with `riskscreen --debug`)"


def run_batch(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    fmt: str = "xlsx",
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
    min_tier: str | None = None,
    thresholds: Mapping[str, float | str] | None = None,
    extra_watchlists: Sequence[str | Path] = (),
    all_sheet: bool = True,
    stamp: bool = False,
    reference: Any = None,
    model: Any = None,
    watchlists: Any = None,
    progress: Callable[[str], None] | None = None,
    product: str | None = None,
) -> BatchResult:
    """Screen each input (files, or folders of them) into `out_dir`; write index and manifest.

    Options apply to every input (as for `run_screen`). An input that cannot be read or
    screened is recorded with its message and the batch goes on; bad options (a threshold, an
    unknown format) stop it before anything is written. `progress` gets one line per file and
    a closing line.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in BATCH_FORMATS:
        raise InputError(f"--format {fmt!r}: use one of {', '.join(BATCH_FORMATS)}")
    say = progress or (lambda line: None)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"-o {out}: with several inputs -o names a folder, and {out} is a file")
    th = load_thresholds(**{**dict(thresholds or {}), "min_tier": min_tier})  # fail early
    paths = expand_inputs(inputs)
    out.mkdir(parents=True, exist_ok=True)
    reference, model, watchlists = _load_defaults(reference, model, watchlists, extra_watchlists)
    if hasattr(model, "result"):
        model = model.result()

    items = [BatchItem(path=p, output=out / name)
             for p, name in zip(paths, _output_names(paths, fmt), strict=True)]
    started = time.perf_counter()
    for number, item in enumerate(items, 1):
        tick = time.perf_counter()
        item.sha256 = _safe_sha(item.path)
        try:
            run = run_screen(item.path, sheet=sheet, columns=columns, reference=reference,
                             model=model, watchlists=watchlists, min_tier=min_tier,
                             thresholds=thresholds, product=product)
            write_outputs(run, item.output, all_sheet=all_sheet, stamp=stamp)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 — one broken file must not stop the batch
            item.status, item.error = "error", _message(exc)
        else:
            meta = run.meta
            item.status = "ok"
            item.rows, item.flagged = meta["rows_in"], meta["rows_flagged"]
            item.to_review = meta["rows_to_review"]
            item.tiers = {t: int(meta["rows_by_tier"].get(t, 0)) for t in _TIERS}
            item.sha256 = meta.get("input_sha256") or item.sha256
        item.seconds = time.perf_counter() - tick
        if item.status == "ok":
            say(f"[{number}/{len(items)}] {item.path.name}: {item.rows:,} rows, "
                f"{item.flagged:,} flagged, {item.to_review:,} to review → {item.output.name} "
                f"({item.seconds:.1f}s)")
        else:
            say(f"[{number}/{len(items)}] {item.path.name}: FAILED — {item.error}")

    editions = {"reference_edition": f"ILAB goods {reference.newest_edition}",
                "watchlist_editions": watchlist_editions(watchlists)}
    index = _index_frame(items, editions)
    index_path = out / "index.xlsx"
    manifest_path = out / "run.json"
    write_sheet_workbook({"Index": index}, index_path, stamp=stamp)
    manifest = _manifest(items, reference, watchlists, th, model_summary(model), editions, {
        "format": fmt, "sheet": sheet, "columns": dict(columns or {}),
        "min_tier": th.as_dict().get("min_tier"), "all_sheet": all_sheet,
        "extra_watchlists": [{"path": str(p), "sha256": _safe_sha(Path(p))}
                             for p in extra_watchlists],
    }, stamp)
    with atomic_output(manifest_path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
                       encoding="utf-8")
    result = BatchResult(items=items, index_path=index_path, manifest_path=manifest_path)
    ok = len(items) - len(result.failed)
    say(f"batch: {ok} of {len(items)} inputs screened"
        + (f", {len(result.failed)} failed (see {index_path.name})" if result.failed else "")
        + f" in {time.perf_counter() - started:.1f}s; wrote {index_path} and {manifest_path}")
    return result


def _index_frame(items: Sequence[BatchItem], editions: Mapping[str, str]) -> pl.DataFrame:
    """One row per input for index.xlsx."""
    rows = []
    for item in items:
        ok = item.status == "ok"
        rows.append({
            "file": str(item.path), "status": item.status, "error": item.error,
            "sha256": item.sha256, "rows": item.rows, "flagged": item.flagged,
            "to_review": item.to_review,
            **{f"tier_{t}": item.tiers.get(t) if ok else None for t in _TIERS},
            "reference_edition": editions["reference_edition"] if ok else None,
            "watchlist_editions": editions["watchlist_editions"] if ok else None,
            "output": item.output.name if ok and item.output else None,
        })
    schema = {"file": pl.String, "status": pl.String, "error": pl.String, "sha256": pl.String,
              "rows": pl.Int64, "flagged": pl.Int64, "to_review": pl.Int64,
              **{f"tier_{t}": pl.Int64 for t in _TIERS}, "reference_edition": pl.String,
              "watchlist_editions": pl.String, "output": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _manifest(items: Sequence[BatchItem], reference: Any, watchlists: Any, th: Any,
              model: dict[str, Any], editions: Mapping[str, str], options: dict[str, Any],
              stamp: bool) -> dict[str, Any]:
    """The run manifest (run.json): enough to re-run the batch and check nothing changed."""
    import datetime as dt

    manifest = getattr(reference, "manifest", {}) or {}
    sources = manifest.get("sources") or []
    out: dict[str, Any] = {
        "tool": f"riskscreen {__version__}",
        "reference": {
            "edition": editions["reference_edition"],
            "built": manifest.get("built"),
            "sources": [{k: s.get(k) for k in ("kind", "edition", "source_file", "sha256")}
                        for s in sources if isinstance(s, Mapping)],
        },
        "watchlists": watchlists.describe() if hasattr(watchlists, "describe") else None,
        "watchlist_editions": editions["watchlist_editions"],
        "model": model,
        "options": options,
        "thresholds": th.as_dict(),
        "inputs": [item.record() for item in items],
        "summary": {"inputs": len(items),
                    "screened": sum(i.status == "ok" for i in items),
                    "failed": sum(i.status != "ok" for i in items)},
    }
    if stamp:
        out["created_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return out
