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

TIER_CHOICE = click.Choice(["critical", "high", "medium", "low"], case_sensitive=False)


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
@click.argument("suppliers", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .xlsx (workbook for people), .csv or .parquet (every row).")
@click.option("--also", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write this file (e.g. --also all.parquet); repeatable.")
@click.option("--sheet", help="Sheet to read from a workbook: name or 1-based number "
              "(default: the first).")
@click.option("--name-col", help="Header of the supplier-name column (overrides detection).")
@click.option("--country-col", help="Header of the country column (overrides detection).")
@click.option("--product-col", help="Header of the product column (overrides detection).")
@click.option("--hs-col", help="Header of the HS-code column (overrides detection).")
@click.option("--address-col", help="Header of the address column (overrides detection).")
@click.option("--spend-col", help="Header of the spend column (overrides detection).")
@click.option("--min-tier", type=TIER_CHOICE, default=None,
              help="Lowest tier that is flagged [default: high].")
@click.option("--threshold", "thresholds", multiple=True, metavar="KEY=VALUE",
              help="Change one score band or cut-off of reference/thresholds.csv, e.g. "
              "--threshold tier_high=60; repeatable. The values used are listed on the "
              "workbook's Method sheet.")
@click.option("--watchlist", "watchlists", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Add your own watchlist CSV (name, aliases, country, source); repeatable.")
@click.option("--no-all-sheet", is_flag=True,
              help="Leave the 'All suppliers' sheet out of the workbook (very large inputs).")
@click.option("--csv-raw", is_flag=True,
              help="Write .csv outputs raw. By default text that Excel would run as a formula "
              "(starting with = + - @, tab, CR) gets a leading apostrophe; Parquet is always raw.")
@click.option("--stamp", is_flag=True,
              help="Record the current time in the workbook (default: byte-identical re-runs).")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@_friendly
def screen(suppliers: Path, output: Path, also: tuple[Path, ...], sheet: str | None,
           name_col: str | None, country_col: str | None, product_col: str | None,
           hs_col: str | None, address_col: str | None, spend_col: str | None,
           min_tier: str | None, thresholds: tuple[str, ...], watchlists: tuple[Path, ...],
           no_all_sheet: bool, csv_raw: bool, stamp: bool, quiet: bool) -> None:
    """Screen SUPPLIERS (.xlsx/.xlsm/.xls/.csv/.parquet) and write the flagged rows with reasons.

    Columns are found from their headers (English, French, Spanish, German …); override with
    --name-col/--country-col/--product-col. Every output path is checked before any work; an
    output that is the supplier file or a --watchlist is refused. .csv/.parquet outputs are
    written before the workbook. Wraps `riskscreen.run_screen`.
    """
    from riskscreen.io.output_check import check_outputs

    check_outputs([output, *also], [suppliers, *watchlists])
    from riskscreen.background import Background, warm_model

    model = Background(warm_model)  # first: it overlaps importing, reading and resolving
    from riskscreen.pipeline import run_screen, write_outputs

    overrides = {"name": name_col, "country": country_col, "product": product_col,
                 "hs_code": hs_col, "address": address_col, "spend": spend_col}
    sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
    run = run_screen(suppliers, sheet=sheet_arg,
                     columns={k: v for k, v in overrides.items() if v},
                     extra_watchlists=watchlists, min_tier=min_tier,
                     thresholds=_key_values(thresholds, "--threshold"), quiet=quiet, model=model)
    written = write_outputs(run, output, all_sheet=not no_all_sheet, stamp=stamp, also=also,
                            csv_raw=csv_raw, inputs=watchlists,
                            written=click.get_current_context().find_root().obj["written"])
    if not quiet:
        for note in (run.table.note, *run.roles.notes):
            if note:
                click.echo(note, err=True)
        m = run.meta
        tiers = ", ".join(f"{k} {v}" for k, v in m["rows_by_tier"].items())
        click.echo(
            f"{m['rows_in']} rows screened: {m['rows_flagged']} flagged, "
            f"{m['rows_to_review']} to review ({tiers}). Columns: "
            + ", ".join(f"{k}='{v}'" for k, v in m["columns_used"].items()),
            err=True,
        )
        lists = "; ".join(
            f"{d.get('name', d.get('list_id'))} as of {d.get('as_of') or 'undated'}"
            + (" (partial compilation)" if str(d.get("partial")).lower() == "true" else "")
            for d in (m.get("watchlists") or [])
        )
        if lists:
            click.echo(f"Watchlists: {lists}. A clean result is not a clearance.", err=True)
        for path in written:
            click.echo(f"wrote {path}", err=True)


@main.command()
@click.argument("country")
@click.argument("product", required=False)
@_friendly
def explain(country: str, product: str | None) -> None:
    """What the reference and the model say about COUNTRY (and PRODUCT), and why.

    COUNTRY and PRODUCT may be spelled as in a supplier sheet ("Côte d'Ivoire", "CIV",
    "cacao"). Wraps `riskscreen.lookup.explain`.
    """
    from riskscreen.lookup import explain as explain_text

    click.echo(explain_text(country, product))


@main.group()
def reference() -> None:
    """Build and inspect the reference tables (ILAB lists, countries, watchlists)."""


@reference.command("info")
@_friendly
def reference_info_cmd() -> None:
    """Print the reference editions, sources, licences, checksums and row counts."""
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
    from riskscreen.paths import reference_dir
    from riskscreen.reference import build_reference

    target = out_dir or reference_dir()
    manifest = build_reference(ilab_dir, target, watchlist_dir=watchlist_dir, fao_file=fao_file)
    rows = manifest.get("tables") or manifest.get("row_counts") or {}
    counts = {k: v.get("rows") if isinstance(v, dict) else v for k, v in rows.items()}
    click.echo(f"built reference in {target}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    fao = manifest.get("fao_production") or {}
    if fao.get("source") or fao.get("skipped"):
        click.echo(f"FAO production: {fao.get('source') or fao.get('skipped')}")


@main.group()
def model() -> None:
    """Train and evaluate the (country, good) risk model."""


@model.command("train")
@click.option("--edition", default=None, help="ILAB edition label to train on [default: newest].")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for risk_model.skops (+ .json.gz), metrics.json and MODEL_CARD.md "
              "[default: the embedded models/ folder].")
@_friendly
def model_train_cmd(edition: str | None, out_dir: Path | None) -> None:
    """Train deterministically from the committed reference tables and write models/.

    Writes risk_model.skops (and its plain twin), metrics.json and MODEL_CARD.md together. Wraps
    `riskscreen.model.publish.write_model_artifacts`.
    """
    from riskscreen.model.publish import write_model_artifacts

    paths = write_model_artifacts(edition=edition, out_dir=out_dir)
    for path in paths:
        click.echo(f"wrote {path}")


@model.command("evaluate")
@_friendly
def model_evaluate_cmd() -> None:
    """Temporal validation across editions, grouped CV by country, calibration, baselines.

    Prints the report; wraps `riskscreen.model.evaluate` and `evaluation_report`.
    """
    from riskscreen.model import evaluate, evaluation_report

    click.echo(evaluation_report(evaluate()))


@main.group()
def watchlist() -> None:
    """Check and use entity watchlists."""


@watchlist.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_friendly
def watchlist_check_cmd(file: Path) -> None:
    """Validate your own watchlist CSV (name, aliases, country, source; optional goods, date)."""
    from riskscreen.errors import InputError
    from riskscreen.watchlists import check_watchlist

    result = check_watchlist(file)
    click.echo(str(result))
    if not result.ok:
        raise InputError(f"{file}: {len(result.errors)} row(s) need fixing (listed above)")


@main.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the changes to .xlsx (a 'Changes' sheet), .csv or .parquet.")
@click.option("--key", default="row_id", show_default=True,
              help="Column joining the two runs, e.g. a vendor number when rows moved.")
@click.option("--csv-raw", is_flag=True,
              help="Write a .csv output raw. By default text that Excel would run as a formula "
              "(starting with = + - @, tab, CR) gets a leading apostrophe; Parquet is always raw.")
@_friendly
def diff(old: Path, new: Path, output: Path | None, key: str, csv_raw: bool) -> None:
    """What changed between two screening outputs of the same supplier file.

    New and cleared flags, tier changes, new and gone watchlist hits, and the reference or list
    edition behind each. The output may not be OLD or NEW (checked before reading). Wraps
    `riskscreen.diff.diff_outputs`.
    """
    from riskscreen.diff import diff_outputs, format_changes, write_changes
    from riskscreen.io.output_check import check_outputs

    if output is not None:
        check_outputs([output], [old, new])
    changes = diff_outputs(old, new, key=key)
    click.echo(format_changes(changes))
    if output is not None:
        path = write_changes(changes, output, inputs=(old, new), escape_formulas=not csv_raw)
        click.echo(f"wrote {path}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
