"""`--engine dask` / `riskscreen.dask`: the same result as one process, on a LocalCluster."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import riskscreen

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from riskscreen.cli import main  # noqa: E402
from riskscreen.dask import DaskRunError, _read_dask, screen_dask, screen_to_parquet  # noqa: E402
from riskscreen.errors import InputError  # noqa: E402

CONTRACT = ["row_id", "country_iso3", "country_confidence", "good", "good_confidence",
            "listed_child_labour", "listed_forced_labour", "p_child_labour", "p_forced_labour",
            "p_any_finding", "watchlist_name", "watchlist_source", "risk_score", "risk_tier",
            "flagged", "reasons"]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory, example_workbook) -> Path:
    """200,000 supplier lines: the example's rows repeated, one in seven renamed so that names
    vary (5,000 suffixes)."""
    base = riskscreen.screen(example_workbook).select(
        "Vendor name", "Country of origin", "Material description", "HS code")
    reps = 200_000 // base.height + 1
    frame = pl.concat([base] * reps).head(200_000).with_row_index("i").with_columns(
        pl.when(pl.col("i") % 7 == 0)
        .then(pl.col("Vendor name") + " " + (pl.col("i") % 5000).cast(pl.String))
        .otherwise(pl.col("Vendor name")).alias("Vendor name"),
    ).drop("i")
    path = tmp_path_factory.mktemp("dask") / "big.csv"
    frame.write_csv(path)
    return path


def _same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.height == b.height
    for col in CONTRACT:
        left, right = a[col], b[col].cast(a[col].dtype)
        same = (left == right).fill_null(False) | (left.is_null() & right.is_null())
        assert same.all(), (col, a.filter(~same).head(3), b.filter(~same).head(3))


def test_dask_equals_single_process_on_every_contract_column(client, big_csv):
    single = riskscreen.screen(big_csv)
    ddf = _read_dask(big_csv, partitions=4, sheet=None)
    assert ddf.npartitions >= 2
    out = pl.from_pandas(screen_dask(ddf, client=client).compute()).sort("row_id")
    _same(single, out)


def test_cli_on_an_existing_scheduler_writes_a_parquet_dataset(client, tmp_path,
                                                              example_workbook):
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(main, [
        "screen", str(example_workbook), "-o", str(out), "--engine", "dask",
        "--scheduler", client.scheduler.address, "--partitions", "3"])
    assert result.exit_code == 0, result.output
    assert "read whole" in result.output
    parts = sorted(out.glob("*.parquet"))
    assert len(parts) == 3
    _same(riskscreen.screen(example_workbook), pl.read_parquet(parts).sort("row_id"))


def test_a_failing_partition_is_a_clear_error_and_leaves_no_output(client, tmp_path,
                                                                   monkeypatch):
    import riskscreen.dask as runner

    real = runner.screen_frame

    def breaks_on_marker(frame, *args, **kwargs):
        if frame["Supplier"].str.contains("BOOM").any():
            raise ValueError("simulated failure")
        return real(frame, *args, **kwargs)

    monkeypatch.setattr(runner, "screen_frame", breaks_on_marker)
    src = tmp_path / "in.parquet"
    rows = [{"Supplier": f"Acme {i}", "Country": "China", "Product": "cotton"}
            for i in range(400)]
    rows[350]["Supplier"] = "BOOM Ltd"
    pl.DataFrame(rows).write_parquet(src)
    out = tmp_path / "out.parquet"
    with pytest.raises(DaskRunError, match=r"partition 3 \(rows 301–400\) failed: ValueError: "
                       r"simulated failure; no output was written"):
        screen_to_parquet(src, out, partitions=4, client=client)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]  # no part, no temp


def _shipped(client) -> set[str]:
    """The riskscreen state plugins on the cluster's workers."""
    listed = client.run(lambda dask_worker: [p for p in dask_worker.plugins
                                             if p.startswith("riskscreen-")])
    assert listed
    return {name for names in listed.values() for name in names}


def test_product_option_reaches_the_workers(client, tmp_path):
    before = _shipped(client)
    src = tmp_path / "no_product.parquet"
    pl.DataFrame({"Supplier": [f"Farm {i}" for i in range(60)],
                  "Country": ["Uzbekistan", "India", "Ghana"] * 20}).write_parquet(src)
    out = screen_to_parquet(src, tmp_path / "out.parquet", partitions=3, client=client,
                            product="cotton")
    dask_run = pl.read_parquet(sorted(out.glob("*.parquet"))).sort("row_id")
    single = riskscreen.screen(src, product="cotton")
    assert (single["good"] == "Cotton").all()
    _same(single, dask_run)
    assert _shipped(client) == before  # nothing of the run stays on a cluster that outlives it


# --- workers that die: real worker processes, killed with SIGKILL from inside a task ---------

def _killer_plugin(once: Path | None) -> object:
    """A worker plugin (pickled by value: defined here) that makes `screen_frame` on every
    worker kill its own process with SIGKILL on a partition holding a 'KILL' supplier — each
    time, or only the first time when `once` names a marker file (created atomically)."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class KillOnMarker(WorkerPlugin):
        name = "kill-on-marker"

        def setup(self, worker):
            import os
            import signal

            import riskscreen.dask as runner

            real = runner.screen_frame

            def screen_frame(frame, *args, **kwargs):
                if frame["Supplier"].str.contains("KILL").any():
                    try:
                        if once is not None:
                            os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                    except FileExistsError:
                        pass
                    else:
                        os.kill(os.getpid(), signal.SIGKILL)
                return real(frame, *args, **kwargs)

            runner.screen_frame = screen_frame

    return KillOnMarker()


def _process_cluster(allowed_failures: int | None):
    """Two worker processes (one thread each); `allowed_failures` None: Dask's default."""
    import dask

    settings = ({} if allowed_failures is None
                else {"distributed.scheduler.allowed-failures": allowed_failures})
    with dask.config.set(settings):
        return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                        dashboard_address="127.0.0.1:0", silence_logs=50)


def _marked_input(tmp_path: Path) -> Path:
    src = tmp_path / "in.parquet"
    rows = [{"Supplier": f"Acme {i}", "Country": ["China", "India", "Ghana"][i % 3],
             "Product": ["cotton", "bricks", "cocoa"][i % 3]} for i in range(400)]
    rows[350]["Supplier"] = "KILL Ltd"  # partition 3 of 4
    pl.DataFrame(rows).write_parquet(src)
    return src


def test_a_killed_worker_ends_the_command_with_a_clear_error_and_no_output(tmp_path):
    """The worker screening the marked partition dies every time; with one death allowed per
    task the scheduler gives up: the command says what died and what to do, exits non-zero,
    prints no traceback and leaves nothing at -o (no dataset, no temporary folder)."""
    import subprocess
    import sys

    src = _marked_input(tmp_path)
    out = tmp_path / "out.parquet"
    with _process_cluster(allowed_failures=0) as cluster, distributed.Client(cluster) as c:
        c.register_plugin(_killer_plugin(None))
        run = subprocess.run(
            [sys.executable, "-m", "riskscreen.cli", "screen", str(src), "-o", str(out),
             "--engine", "dask", "--scheduler", cluster.scheduler_address,
             "--partitions", "4"],
            capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert re.search(r"error: a Dask worker died during the run and the scheduler gave up on "
                     r"partition [0-3] \(rows \d+–\d+\), which that worker held: it gives up "
                     r"on a task whose worker died 1 time\(s\) \(its "
                     r"distributed.scheduler.allowed-failures is 0\)\. No output was written\.",
                     run.stderr), run.stderr
    assert "--partitions" in run.stderr and "logs" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


def test_a_worker_killed_once_is_retried_and_no_row_is_lost(tmp_path):
    """With Dask's default retries a worker that dies once is replaced and its partitions are
    screened again: every row comes out once, equal to a single-process run."""
    src = _marked_input(tmp_path)
    once = tmp_path / "killed-once"
    with _process_cluster(allowed_failures=None) as cluster, distributed.Client(cluster) as c:
        c.register_plugin(_killer_plugin(once))
        out = screen_to_parquet(src, tmp_path / "out.parquet", partitions=4, client=c)
    assert once.exists()  # the worker really was killed
    dask_run = pl.read_parquet(sorted(out.glob("*.parquet"))).sort("row_id")
    assert dask_run["row_id"].to_list() == list(range(1, 401))
    _same(riskscreen.screen(src), dask_run)


@pytest.mark.parametrize("signum, whole_group", [(15, False), (2, True)],
                         ids=["SIGTERM to the command", "Ctrl-C to the terminal's group"])
def test_an_interrupted_run_leaves_no_output_and_no_worker(tmp_path, signum, whole_group):
    """Signalled once the run writes (its temporary folder exists), the command on its own local
    cluster stops: 'no output file was written' is true, nothing is left next to -o, no
    traceback, and no worker process outlives it."""
    import os
    import subprocess
    import sys
    import time

    psutil = pytest.importorskip("psutil")
    n = 60_000
    src = tmp_path / "in.csv"
    pl.DataFrame({"Supplier": [f"Acme {i}" for i in range(n)],
                  "Country": ["China", "India", "Ghana"] * (n // 3),
                  "Product": ["cotton", "bricks", "cocoa"] * (n // 3)}).write_csv(src)
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskscreen.cli", "screen", str(src), "-o",
         str(tmp_path / "out.parquet"), "--engine", "dask", "--partitions", "6"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.parquet.*.tmp")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never started writing"
        time.sleep(0.05)
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert workers  # the local cluster's processes
    if whole_group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert "interrupted: no output file was written" in err
    assert "Traceback" not in out + err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert not alive, alive


# --- the input limits (reference/input_limits.csv) on the Dask path ---------------------------

def _limits(monkeypatch, **values: float) -> None:
    from riskscreen.io import read_limits

    limits = {**read_limits._limits(), **values}
    monkeypatch.setattr(read_limits, "_limits", lambda: limits)


def _suppliers(n: int, columns: int = 3) -> pl.DataFrame:
    base = {"Supplier": [f"Acme {i}" for i in range(n)],
            "Country": ["China", "India", "Ghana"] * (n // 3) + ["China"] * (n % 3),
            "Product": ["cotton", "bricks", "cocoa"] * (n // 3) + ["cotton"] * (n % 3)}
    extra = {f"Note {k}": [f"n{k}"] * n for k in range(columns - 3)}
    return pl.DataFrame({**base, **extra})


def _refused(tmp_path: Path, src: Path, *options: str) -> str:
    """Run the command with --engine dask (no cluster is started for a refused input); return
    its output after checking it failed cleanly and wrote nothing."""
    before = sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "out.parquet"),
                                       "--engine", "dask", *options])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    return result.output


@pytest.mark.parametrize("name", ["in.csv", "in.parquet"])
def test_dask_refuses_a_file_over_its_size_limit(tmp_path, monkeypatch, name):
    src = tmp_path / name
    frame = _suppliers(300)
    frame.write_csv(src) if name.endswith(".csv") else frame.write_parquet(src)
    _limits(monkeypatch, dask_max_file_bytes=1000)
    assert re.search(rf"error: {name}: 0\.0 GiB is over the 0\.0 GiB limit; split the list",
                     _refused(tmp_path, src))


def test_dask_refuses_a_file_that_is_not_what_its_name_says(tmp_path, example_workbook):
    src = tmp_path / "in.csv"
    src.write_bytes(example_workbook.read_bytes())
    assert "error: in.csv: the .csv file is really" in _refused(tmp_path, src)


def test_dask_refuses_a_header_over_the_column_limit(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    _suppliers(30, columns=12).write_csv(src)
    _limits(monkeypatch, max_columns=10)
    assert ("error: in.csv: 12 columns is more than 10; is the delimiter right?"
            in _refused(tmp_path, src))


def test_dask_csv_partitions_stay_within_what_one_worker_reads(tmp_path, monkeypatch):
    """A CSV partition is at most min(max_text_bytes, max_cells) bytes (a cell takes at least a
    byte): by default the file is cut finer; --partitions that make bigger pieces are refused
    with the number that works."""
    src = tmp_path / "in.csv"
    _suppliers(150_000).write_csv(src)
    size = src.stat().st_size
    assert size > 3 << 20
    _limits(monkeypatch, max_cells=1_500_000)
    assert _read_dask(src, partitions=None, sheet=None).npartitions >= size // 1_500_000
    out = _refused(tmp_path, src, "--partitions", "1")
    assert re.search(r"error: in\.csv: [\d.]+ MiB in 1 partition\(s\) is [\d.]+ MiB each, over "
                     rf"the 1\.4 MiB one worker reads at once; use --partitions "
                     rf"{-(-size // 1_500_000)} or more", out), out


def test_dask_parquet_partitions_stay_within_the_cell_and_text_limits(tmp_path, monkeypatch):
    """A Parquet partition is a row group (or several in a row with fewer --partitions): each is
    held to max_cells and, with repeated values spelled out, max_expanded_text_bytes."""
    one_group, four_groups = tmp_path / "one.parquet", tmp_path / "four.parquet"
    _suppliers(400).write_parquet(one_group)
    _suppliers(400).write_parquet(four_groups, row_group_size=100)
    _limits(monkeypatch, max_cells=500)
    assert ("error: one.parquet: row group 1 of 1 (400 rows x 3 columns) is one partition for "
            "one worker, over the 500-cell limit; write the file with smaller row groups"
            in _refused(tmp_path, one_group))
    assert ("row groups 1–2 of 4 (200 rows x 3 columns) is one partition for one worker, over "
            "the 500-cell limit; use --partitions 4 or more"
            in _refused(tmp_path, four_groups, "--partitions", "2"))
    assert _read_dask(four_groups, partitions=None, sheet=None).npartitions == 4
    long = tmp_path / "long.parquet"
    pl.DataFrame({"Supplier": ["Acme " + "x" * 5000] * 300, "Country": ["China"] * 300}
                 ).write_parquet(long)  # a few KB on disk, 1.5 MB spelled out
    assert long.stat().st_size < 100_000
    _limits(monkeypatch, max_cells=20_000_000, max_expanded_text_bytes=1 << 20)
    assert ("error: long.parquet: row group 1 of 1 (text of 1.4 MiB once repeated values are "
            "spelled out) is one partition for one worker, over the 1.0 MiB limit"
            in _refused(tmp_path, long))


def test_a_partition_over_the_row_limit_is_refused_before_screening(client, tmp_path,
                                                                   monkeypatch):
    """A Dask DataFrame's own partitions (screen_dask) are held to max_rows/max_cells."""
    src = tmp_path / "in.parquet"
    _suppliers(400).write_parquet(src)
    _limits(monkeypatch, max_rows=150)
    expected = (r"partition [01] \(rows 1?\d+–[24]00\): 200 rows x 3 columns is over the "
                r"150-row limit for what one worker screens at once; cut the input into more "
                r"partitions \(--partitions, or repartition the Dask DataFrame\); no output "
                r"was written")
    with pytest.raises(DaskRunError, match=expected):
        screen_to_parquet(src, tmp_path / "out.parquet", partitions=2, client=client)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


def test_dask_refuses_to_write_over_its_input(tmp_path):
    src = tmp_path / "in.parquet"
    _suppliers(30).write_parquet(src)
    with pytest.raises(InputError, match="refusing to write the output to .*in.parquet: that "
                       "is the input file"):
        screen_to_parquet(src, src)
    assert src.is_file() and pl.read_parquet(src).height == 30


def test_a_csv_dask_cannot_cut_is_a_clear_error_not_a_misread(client, tmp_path):
    """Dask cuts a CSV at line ends, so a quoted cell with a line break across a cut cannot be
    read in pieces: the run says so and what to do instead, and writes nothing."""
    src = tmp_path / "in.csv"
    rows = [f'"Acme {i} {"x" * 500}\nUnit 2",China,cotton' for i in range(8000)]
    src.write_text("Supplier,Country,Product\n" + "\n".join(rows) + "\n")
    assert riskscreen.screen(src).height == 8000  # the default engine reads it
    with pytest.raises(DaskRunError, match=r"in\.csv: --engine dask could not read the CSV in "
                       r"pieces: a quoted cell holds a line break where Dask cut the file into "
                       r"pieces .*Save the list as Parquet, or screen it with the default "
                       r"engine, which reads both; no output was written"):
        screen_to_parquet(src, tmp_path / "out.parquet", partitions=4, client=client)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_title_rows_and_blank_rows_are_read_as_one_process_reads_them(client, tmp_path):
    """The header is found by its content below an Excel 'sep=' line and title rows, blank
    rows keep their place in row_id, a blank header gets the same name, a repeated header row is
    not screened: the same result as one process, on every contract column, across
    partitions."""
    lines = ["sep=;", "Supplier list Q3 2026;;;", ";;;", "Supplier;Country;Product;"]
    for i in range(120_000):
        if i == 50_000:
            lines.append("Supplier;Country;Product;")  # a paged export repeats its header
        lines.append(";;;" if i % 997 == 0 else
                     f"Acme {i};{['China', 'India', 'Ghana'][i % 3]};"
                     f"{['cotton', 'bricks', 'cocoa'][i % 3]};{'x' if i % 5 == 0 else ''}")
    src = tmp_path / "in.csv"
    src.write_text("\n".join(lines) + "\n")
    single = riskscreen.screen(src)
    ddf = _read_dask(src, partitions=3, sheet=None)
    assert ddf.npartitions >= 2
    assert list(ddf.columns) == ["Supplier", "Country", "Product", "Column 4"]
    out = pl.from_pandas(screen_dask(ddf, client=client).compute()).sort("row_id")
    blank = len(range(0, 120_000, 997))
    assert out.height == single.height == 120_000 - blank  # blank rows are not screened
    assert out["row_id"][:2].to_list() == [2, 3]  # row 1 below the header is blank
    _same(single, out)


def test_a_signal_that_lands_in_a_gc_callback_is_not_lost():
    """The local cluster's scheduler hooks a gc callback into this process; a signal handler
    raising there would be printed and dropped ('Exception ignored in …') and the run would go
    on. The run's handlers deliver such a signal again once out of the callback."""
    import gc
    import os
    import signal
    import time

    from riskscreen.dask import _SignalGuard

    class Stop(Exception):
        pass

    def stop(signum, frame):
        raise Stop(signum)

    sent = []

    def sends_during_collection(phase, info):
        if phase == "start" and not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGHUP)  # the handler runs here, inside the callback
            sent.append(False)

    old = signal.signal(signal.SIGHUP, stop)
    gc.callbacks.append(sends_during_collection)
    try:
        with pytest.raises(Stop), _SignalGuard():
            gc.collect()
            assert sent == [True, False]  # the callback ran on: the signal did not stop it
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        gc.callbacks.remove(sends_during_collection)
        signal.signal(signal.SIGHUP, old)


# the finaliser's dropped exception is the case under test: pytest reports it as unraisable
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_signal_lost_in_a_finaliser_is_delivered_again_and_a_handled_one_is_not():
    import os
    import signal
    import time

    from riskscreen.dask import _SignalGuard

    class Stop(Exception):
        pass

    raised = []

    def stop(signum, frame):
        raised.append(signum)
        raise Stop(signum)

    class SendsWhenCollected:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGHUP)  # raised here, the exception is only printed
            self.after = True

    def wait(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.01)

    old = signal.signal(signal.SIGHUP, stop)
    try:
        with pytest.raises(Stop), _SignalGuard():
            SendsWhenCollected()  # collected at once: its finaliser drops the first Stop
            assert raised == [signal.SIGHUP]
            wait(5)
        assert raised == [signal.SIGHUP] * 2  # delivered again, and raised where it counts
        raised.clear()
        with _SignalGuard() as guard:
            with pytest.raises(Stop):
                os.kill(os.getpid(), signal.SIGHUP)
                wait(5)
            guard.handled()
            wait(1)
        assert raised == [signal.SIGHUP]  # once: the run said it arrived
    finally:
        signal.signal(signal.SIGHUP, old)


@pytest.mark.parametrize("row_id", [[f"A-{i}" for i in range(400)], [1, 2] * 200],
                         ids=["text", "repeated across row groups"])
def test_a_row_id_column_that_cannot_key_rows_is_kept_aside_and_rows_numbered(client, tmp_path,
                                                                             row_id):
    """Each partition alone cannot tell: a Parquet 'row_id' that is not whole numbers, or
    repeats over the file, is kept as 'row_id (input)' and rows are numbered 1.. as one process
    numbers them, never twice."""
    src = tmp_path / "in.parquet"
    _suppliers(400).with_columns(pl.Series("row_id", row_id)).write_parquet(
        src, row_group_size=100)
    out = screen_to_parquet(src, tmp_path / "out.parquet", client=client)
    dask_run = pl.read_parquet(sorted(out.glob("*.parquet"))).sort("row_id")
    assert dask_run["row_id"].to_list() == list(range(1, 401))
    assert dask_run["row_id (input)"].cast(pl.String).to_list() == [str(v) for v in row_id]
    _same(riskscreen.screen(src), dask_run)
