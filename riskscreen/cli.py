"""The `riskscreen` command line: each command is a thin wrapper over one library function."""

from __future__ import annotations

import functools
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from riskscreen import __version__
from riskscreen.errors import InputError, RiskscreenError
from riskscreen.paths import reference_dir
from riskscreen.tiers import FLAG_TIERS, TIERS

TIER_CHOICE = click.Choice(FLAG_TIERS, case_sensitive=False)


class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so every temp file is removed on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_on_signal(signum: int, _frame: Any) -> None:
    raise _Signalled(signum)


def _catch_signals() -> None:
    """Turn SIGTERM and SIGHUP into an exception (only from the main thread, where it works)."""
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, _raise_on_signal)
            except (ValueError, OSError):  # not the main thread, or not allowed here
                pass


def _interrupted(exc: KeyboardInterrupt, written: list[Path]) -> None:
    """Say truthfully what exists after an interruption, then exit 128 + signal number."""
    signum = getattr(exc, "signum", signal.SIGINT)
    if written:
        done = ", ".join(str(p) for p in written)
        click.echo(f"interrupted: only {done} was written; the other outputs were not", err=True)
    else:
        click.echo("interrupted: no output file was written", err=True)
    sys.exit(128 + int(signum))


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn errors into a short message and a non-zero exit; a traceback only with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        root = click.get_current_context().find_root()
        root.obj = root.obj or {}
        debug = bool(root.obj.get("debug"))
        written: list[Path] = root.obj.setdefault("written", [])
        _catch_signals()
        try:
            return func(*args, **kwargs)
        except RiskscreenError as exc:
            if debug:
                traceback.print_exc()
            done = "".join(f"\n{p} was written before this; it is complete" for p in written)
            click.echo(f"error: {exc}{done}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            _interrupted(exc, written)
        except OSError as exc:
            if debug:
                traceback.print_exc()
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            click.echo(f"error: {exc.strerror or exc}{where}", err=True)
            sys.exit(2)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # noqa: BLE001 — the last line of defence for users
            if debug:
                traceback.print_exc()
            click.echo(
                f"error: unexpected {type(exc).__name__}: {exc}\n"
                "Run again with `riskscreen --debug …` and report the output.",
                err=True,
            )
            sys.exit(1)

    return wrapper


def _key_values(items: tuple[str, ...], option: str) -> dict[str, str]:
    """KEY=VALUE option values as a dict; a malformed one is a usage error."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"{option} {item!r}: write KEY=VALUE, e.g. {option} tier_high=60")
        out[key.strip()] = value.strip()
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="riskscreen")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors (for bug reports).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Screen a supplier spreadsheet for forced-labour and child-labour risk.

    Start with `riskscreen screen SUPPLIERS.xlsx -o report.xlsx`.
    """
    ctx.obj = {"debug": debug}


@main.command()
@click.argument("suppliers", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output file: .xlsx (workbook for people), .csv or .parquet (every row). "
              "With several inputs or a folder: the folder for one output per input, "
              "index.xlsx and run.json.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "parquet"]), default=None,
              help="Batch runs: the format of each input's output [default: xlsx].")
@click.option("--also", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write this file (e.g. --also all.parquet); repeatable.")
@click.option("--engine", type=click.Choice(["polars", "dask"]), default="polars",
              show_default=True,
              help="dask: screen partitions on a Dask cluster and write a Parquet dataset "
              "(needs riskscreen[dask]; for inputs too big for one process).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="With --engine dask: a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
              "[default: start a local cluster].")
@click.option("--partitions", type=click.IntRange(min=1), default=None,
              help="With --engine dask: how many pieces to cut the input into.")
@click.option("--sheet", help="Sheet to read from a workbook: name or 1-based number "
              "(default: the first).")
@click.option("--name-col", help="Header of the supplier-name column (overrides detection).")
@click.option("--country-col", help="Header of the country column (overrides detection).")
@click.option("--product-col", help="Header of the product column (overrides detection).")
@click.option("--hs-col", help="Header of the HS-code column (overrides detection).")
@click.option("--address-col", help="Header of the address column (overrides detection).")
@click.option("--spend-col", help="Header of the spend column (overrides detection).")
@click.option("--product", "product", metavar="TEXT",
              help="The product of every row that gives none, e.g. --product garments (a brand "
              "that buys only garments says so once). A row's own product or HS code comes "
              "first; without either, the good is read from the supplier's name.")
@click.option("--min-tier", type=TIER_CHOICE, default=None,
              help="Lowest tier that is flagged [default: high].")
@click.option("--threshold", "thresholds", multiple=True, metavar="KEY=VALUE",
              help="Change one score band or cut-off of reference/thresholds.csv, e.g. "
              "--threshold tier_high=60; repeatable. The values used are listed on the "
              "workbook's Method sheet.")
@click.option("--watchlist", "watchlists", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Add your own watchlist CSV (a name column; optional aliases, country, source); "
              "repeatable.")
@click.option("--no-all-sheet", is_flag=True,
              help="Leave the 'All suppliers' sheet out of the workbook (very large inputs).")
@click.option("--csv-raw", is_flag=True,
              help="Write .csv outputs raw. By default text that Excel would run as a formula "
              "(starting with = + - @, tab, CR) gets a leading apostrophe; Parquet is always raw.")
@click.option("--stamp", is_flag=True,
              help="Record the current time in the workbook (default: byte-identical re-runs).")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@_friendly
def screen(suppliers: tuple[Path, ...], output: Path, fmt: str | None, also: tuple[Path, ...],
           engine: str, scheduler: str | None, partitions: int | None, sheet: str | None,
           name_col: str | None, country_col: str | None, product_col: str | None,
           hs_col: str | None, address_col: str | None, spend_col: str | None,
           product: str | None,
           min_tier: str | None, thresholds: tuple[str, ...], watchlists: tuple[Path, ...],
           no_all_sheet: bool, csv_raw: bool, stamp: bool, quiet: bool) -> None:
    """Screen SUPPLIERS (.xlsx/.xlsm/.xls/.csv/.parquet) and write the flagged rows with reasons.

    Columns are found from their headers (English, French, Spanish, German …); override with
    --name-col/--country-col/--product-col. Every output path is checked before any work; an
    output that is the supplier file or a --watchlist is refused. .csv/.parquet outputs are
    written before the workbook; with only .csv/.parquet outputs each chunk of rows is written as
    it is screened (bounded memory). Wraps `riskscreen.pipeline.screen_to_files`.

    Several files, or a folder, screen as a batch into the folder -o names: one output per
    input, index.xlsx and run.json (wraps `riskscreen.batch.run_batch`). Exit code 0: every
    input screened; 3: some inputs failed (their index rows say why); 2: nothing was screened
    (bad options or output folder).
    """
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.background import Background, warm_model

    model = Background(warm_model)  # first: it overlaps importing, reading and resolving
    # lazy: imported after the model load has started, and only when screening
    from riskscreen.pipeline import screen_to_files

    overrides = {"name": name_col, "country": country_col, "product": product_col,
                 "hs_code": hs_col, "address": address_col, "spend": spend_col}
    sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
    if engine == "dask":
        _screen_dask(suppliers, output, also=also, sheet=sheet_arg, scheduler=scheduler,
                     partitions=partitions, columns={k: v for k, v in overrides.items() if v},
                     min_tier=min_tier, thresholds=_key_values(thresholds, "--threshold"),
                     watchlists=watchlists, quiet=quiet, product=product)
        return
    if _is_batch(suppliers, output):
        from riskscreen.batch import run_batch  # lazy: only for batch runs

        if also:
            raise InputError("--also is for a single input; in a batch use --format")
        result = run_batch(
            suppliers, output, fmt=fmt or "xlsx", sheet=sheet_arg,
            columns={k: v for k, v in overrides.items() if v}, min_tier=min_tier,
            thresholds=_key_values(thresholds, "--threshold"), extra_watchlists=watchlists,
            all_sheet=not no_all_sheet, stamp=stamp, model=model, product=product,
            progress=None if quiet else (lambda line: click.echo(line, err=True)),
        )
        sys.exit(result.exit_code)
    if scheduler or partitions:
        raise InputError("--scheduler and --partitions go with --engine dask")
    if fmt:
        raise InputError("--format is for batch runs (several inputs or a folder); for one "
                         "input the -o file's extension picks the format")
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.io.output_check import check_outputs

    check_outputs([output, *also], [*suppliers, *watchlists])  # before any work
    run, written = screen_to_files(
        suppliers[0], output, also=also, all_sheet=not no_all_sheet, stamp=stamp,
        csv_raw=csv_raw, inputs=watchlists,
        written=click.get_current_context().find_root().obj["written"], sheet=sheet_arg,
        columns={k: v for k, v in overrides.items() if v}, extra_watchlists=watchlists,
        min_tier=min_tier, thresholds=_key_values(thresholds, "--threshold"), quiet=quiet,
        model=model, product=product)
    if not quiet:
        for note in (run.table.note, *run.roles.notes):
            if note:
                click.echo(note, err=True)
        m = run.meta

        by_tier = m["rows_by_tier"]
        tiers = ", ".join(f"{t} {by_tier[t]}" for t in TIERS if by_tier.get(t))
        click.echo(
            f"{m['rows_in']} rows screened: {m['rows_flagged']} flagged, "
            f"{m['rows_to_review']} to review ({tiers}). Columns: "
            + ", ".join(f"{k}='{v}'" for k, v in m["columns_used"].items()),
            err=True,
        )
        lists = "; ".join(
            f"{d.get('name', d.get('list_id'))} "
            + (f"as of {d['as_of']}" if d.get("as_of") else "(no date given)")
            + (" (partial compilation)" if str(d.get("partial")).lower() == "true" else "")
            for d in (m.get("watchlists") or [])
        )
        if lists:
            click.echo(f"Watchlists: {lists}. A clean result is not a clearance.", err=True)
        if (m.get("products") or {}).get("note"):
            click.echo(m["products"]["note"], err=True)
        for path in written:
            click.echo(f"wrote {path}", err=True)


def _screen_dask(suppliers: tuple[Path, ...], output: Path, *, also: tuple[Path, ...],
                 quiet: bool, watchlists: tuple[Path, ...], **options: Any) -> None:
    """`screen --engine dask`: one input to a Parquet dataset (wraps `screen_to_parquet`)."""
    if len(suppliers) != 1 or also:
        raise InputError("--engine dask screens one input into one .parquet output "
                         "(no --also, no batch)")
    try:
        from riskscreen.dask import screen_to_parquet  # lazy: needs the dask extra
    except ImportError:
        raise InputError("--engine dask needs Dask: pip install 'riskscreen[dask]'") from None
    if suppliers[0].suffix.lower() not in (".csv", ".txt", ".parquet") and not quiet:
        click.echo(f"{suppliers[0].name}: read whole on this machine, then split (only .csv, "
                   ".txt and .parquet files are read in pieces)", err=True)
    written = screen_to_parquet(suppliers[0], output, extra_watchlists=watchlists, **options)
    if not quiet:
        click.echo(f"wrote {written} (a Parquet dataset: one part file per partition)", err=True)


def _is_batch(inputs: tuple[Path, ...], output: Path) -> bool:
    """Several inputs, a folder input, or an existing folder as -o (not one named like an
    output file, e.g. a Dask Parquet dataset): a batch run."""
    named_file = output.suffix.lower() in (".xlsx", ".csv", ".parquet")  # a Parquet dataset
    return len(inputs) > 1 or any(p.is_dir() for p in inputs) or (output.is_dir()
                                                                    and not named_file)


@main.command()
@click.argument("country")
@click.argument("product", required=False)
@click.option("--as", "read_as", type=click.Choice(["country", "product"]), default=None,
              help="How to read a single value (default: a value that reads better as a "
              "product, like 'cacao', is read as one).")
@_friendly
def explain(country: str, product: str | None, read_as: str | None) -> None:
    """What riskscreen says about COUNTRY and PRODUCT (or one of them), and why.

    A pair is screened as a supplier row would be: every rule screen applies is shown (the
    listing, CBP country-wide orders, the Xinjiang rule), the model only where no listing
    answers. Values may be spelled as in a supplier sheet ("Côte d'Ivoire", "CIV", "cacao").
    Wraps `riskscreen.lookup.explain`.
    """
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.lookup import explain as explain_text

    click.echo(explain_text(country, product, read_as=read_as))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine (127.0.0.1) lets other "
              "computers reach the page: a warning is printed.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
@click.option("--max-upload-mb", default=50, show_default=True, type=click.IntRange(1, 2048),
              help="Largest file the page accepts, in MB.")
@_friendly
def serve(host: str, port: int, no_browser: bool, max_upload_mb: int) -> None:
    """Open riskscreen as a web page on this computer: upload a supplier file, check the
    columns, see the flagged suppliers and why, download the workbook.

    Needs the web extra: pip install 'riskscreen[web]'. Wraps `riskscreen.web.serve`.
    """
    try:
        from riskscreen.web.server import serve as run_server  # lazy: needs the web extra
    except ImportError as exc:
        raise InputError(
            f"riskscreen serve needs the web extra ({exc.name} is missing): "
            "pip install 'riskscreen[web]'"
        ) from None
    run_server(host, port, open_browser=not no_browser, max_upload_bytes=max_upload_mb * 10**6,
               echo=lambda text: click.echo(text, err=text.startswith("warning")))


@main.group()
def reference() -> None:
    """Build and inspect the reference tables (ILAB lists, countries, watchlists)."""


@reference.command("info")
@_friendly
def reference_info_cmd() -> None:
    """Print the reference editions, sources, licences, checksums and row counts."""
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.reference.info import reference_info

    click.echo(reference_info())


@reference.command("build")
@click.option("--ilab", "ilab_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with ILAB goods_YYYY.xml and countries_YYYY.xml files.")
@click.option("--watchlists", "watchlist_dir", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with the watchlist sources [default: ILAB folder's ../watchlists].")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the tables [default: the embedded reference/ folder].")
@click.option("--fao-file", "fao_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="FAOSTAT.nc for the FAO production table [default: the installed "
              "agrifoodpy_data package's; without either the embedded table is kept]. "
              "Needs h5py.")
@_friendly
def reference_build_cmd(ilab_dir: Path, watchlist_dir: Path | None, out_dir: Path | None,
                        fao_file: Path | None) -> None:
    """Rebuild the reference tables from the official publications (wraps `build_reference`)."""
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.reference import build_reference

    target = out_dir or reference_dir()
    manifest = build_reference(ilab_dir, target, watchlist_dir=watchlist_dir, fao_file=fao_file)
    counts = {name: entry["rows"] for name, entry in manifest["tables"].items()}
    click.echo(f"built reference in {target}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    fao = manifest.get("fao_production") or {}
    if fao.get("source") or fao.get("skipped"):
        click.echo(f"FAO production: {fao.get('source') or fao.get('skipped')}")


@main.group()
def model() -> None:
    """Train and evaluate the (country, good) risk model."""


_REFERENCE_OPTION = click.option(
    "--reference", "reference_dir", default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Reference folder to train or validate on [default: the embedded reference/].")
_RANDOM_STATE_OPTION = click.option(
    "--random-state", default=0, show_default=True, type=int,
    help="Seed of every random step (the committed model uses 0).")


def _model_command(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options `model train` and `model evaluate` share, and the friendly error handling."""
    return _REFERENCE_OPTION(_RANDOM_STATE_OPTION(_friendly(func)))


@model.command("train")
@click.option("--edition", default=None, help="ILAB edition label to train on [default: newest].")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for risk_model.skops (+ .json.gz), metrics.json and MODEL_CARD.md "
              "[default: the embedded models/ folder].")
@_model_command
def model_train_cmd(edition: str | None, out_dir: Path | None, reference_dir: Path | None,
                    random_state: int) -> None:
    """Train deterministically from the reference tables and write models/.

    Writes risk_model.skops (and its plain twin), metrics.json and MODEL_CARD.md together. Wraps
    `riskscreen.model.publish.write_model_artifacts`.
    """
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.model.publish import write_model_artifacts

    paths = write_model_artifacts(edition=edition, out_dir=out_dir, reference=reference_dir,
                                  random_state=random_state)
    for path in paths:
        click.echo(f"wrote {path}")


@model.command("evaluate")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Also write metrics.json (and MODEL_CARD.md, when the folder holds a model) "
              "to this folder.")
@_model_command
def model_evaluate_cmd(out_dir: Path | None, reference_dir: Path | None,
                       random_state: int) -> None:
    """Temporal validation across editions, grouped CV by country, calibration, baselines.

    Prints the report; wraps `riskscreen.model.publish.evaluate_model`.
    """
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.model.publish import evaluate_model

    report, paths = evaluate_model(out_dir=out_dir, reference=reference_dir,
                                   random_state=random_state)
    click.echo(report)
    for path in paths:
        click.echo(f"wrote {path}", err=True)


@main.command()
@click.argument("report", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the questionnaires (created if missing).")
@click.option("--lang", default="en", show_default=True,
              help="Language of the questionnaires: en, fr or es.")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx"]), default="docx",
              show_default=True, help="Word document or one-sheet workbook.")
@_friendly
def followup(report: Path, output: Path, lang: str, fmt: str) -> None:
    """Write one questionnaire per flagged supplier from REPORT (a workbook from `screen`).

    Each holds the supplier's flagged rows, why we ask, the questions for its findings (with
    room for answers) and the documents to request, from its Follow-up sheet.
    """
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.io.letters import questionnaires

    written = questionnaires(report, output, lang=lang, fmt=fmt)
    click.echo(f"wrote {len(written)} questionnaire(s) to {output}", err=True)


@main.group()
def watchlist() -> None:
    """Check and use entity watchlists."""


@watchlist.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_friendly
def watchlist_check_cmd(file: Path) -> None:
    """Validate your own watchlist CSV: a `name` column is all it needs (optional aliases,
    country, source, goods, date, status, section)."""
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.watchlists import check_watchlist

    result = check_watchlist(file)
    click.echo(str(result))
    if result.header_problem:
        raise InputError(f"{file}: fix the header row (see above)")
    if not result.ok:
        raise InputError(f"{file}: {len(result.errors)} row(s) need fixing (listed above)")


@main.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the changes to .xlsx (a 'Changes' sheet), .csv or .parquet.")
@click.option("--key", default=None,
              help="Column pairing the two runs' rows [default: a vendor-number column unique in "
              "both, else the supplier's normalised name, country and product].")
@click.option("--csv-raw", is_flag=True,
              help="Write a .csv output raw. By default text that Excel would run as a formula "
              "(starting with = + - @, tab, CR) gets a leading apostrophe; Parquet is always raw.")
@_friendly
def diff(old: Path, new: Path, output: Path | None, key: str | None, csv_raw: bool) -> None:
    """What changed between two screening outputs of the same supplier list.

    Rows are paired by supplier (rows that only moved are not changes). New and cleared flags,
    tier changes, new and gone watchlist hits, and the cause of each: a changed reference or
    list edition, threshold or --min-tier, a watchlist hit, a listing, a match. Wraps
    `riskscreen.diff.compare_outputs`. The output may not be OLD or NEW (checked before
    reading).
    """
    # lazy: imported when the command runs, so `riskscreen --help` is instant
    from riskscreen.diff import compare_outputs, format_changes, write_changes
    from riskscreen.io.output_check import check_outputs

    if output is not None:
        check_outputs([output], [old, new])
    result = compare_outputs(old, new, key=key)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    result.warnings = []
    click.echo(format_changes(result))
    if output is not None:
        path = write_changes(result, output, inputs=(old, new), escape_formulas=not csv_raw)
        click.echo(f"wrote {path}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
