"""``brian-dendrites sweep`` on real Dask: a LocalCluster, a scheduler and workers started here, a worker
killed mid-sweep, the client killed mid-sweep; and the bad input refused before anything starts.

Every sweep is bars over four seeds, two epochs each (a point costs about 5 s, most of it Python's start),
and every sweep shares the session's build cache (``--cache``), so that the bars build compiles once, if
at all. The sweep with ``--scheduler`` loses a worker mid-sweep: it covers the scheduler's sweep and the
rescheduled point."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brian_dendrites import cli, sweep
from brian_dendrites.devices.cache import cache_directory
from brian_dendrites.files import read_npz
from brian_dendrites.protocols.registry import PROTOCOLS

pytest.importorskip("distributed")  # the test extra has it; so does CI
psutil = pytest.importorskip("psutil")  # a dependency of distributed

SEEDS = range(4)
#: The sweep of every test, but for --out and the cluster.
SWEEP = ["sweep", "bars", "--grid", "seed=0-3", "--epochs", "2", "--quiet", "--cache", str(cache_directory())]
#: The summary's timings, which differ between two runs of one point.
TIMINGS = {"ms_per_sample", "ms_per_test_sample", "wall_s"}
TIMEOUT = 240  # s: CI runs other test files beside these


def _table(out: Path) -> list[dict]:
    return json.loads((out / "results.json").read_text())


def _results(out: Path) -> list[dict]:
    """The results table without the timings."""
    return [{k: v for k, v in row.items() if k not in TIMINGS} for row in _table(out)]


def _info(checkpoint: Path) -> dict:
    return json.loads(str(read_npz(checkpoint, "checkpoint")["info"]))


def _attempts(log: Path) -> list[str]:
    """The 'found' line of each attempt in a point's sweep.log."""
    return re.findall(r"^--- found: (.*)$", log.read_text(), re.M)


def _point_process(folder: Path) -> psutil.Process | None:
    """The running process of the point in ``folder`` (``python -m brian_dendrites ... --out folder``)."""
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "brian_dendrites" in cmdline and str(folder) in cmdline:
            return process
    return None


def _wait(ready, what: str, process: subprocess.Popen | None = None, timeout: float = TIMEOUT):
    end = time.monotonic() + timeout
    while not (value := ready()):
        assert process is None or process.poll() is None, f"ended ({process.returncode}) before {what}"
        assert time.monotonic() < end, f"not {what} after {timeout} s"
        time.sleep(0.05)
    return value


def _running_with_checkpoint(out: Path):
    """A point that runs and has a checkpoint but no summary: (its folder, its process); else None."""
    for seed in SEEDS:
        folder = out / f"seed={seed}"
        if (folder / "bars_checkpoint.npz").exists() and not (folder / "summary.json").exists():
            process = _point_process(folder)
            if process is not None:
                return folder, process
    return None


def _stop(processes: list[subprocess.Popen]) -> None:
    """Kill each process's session (a dask worker's nanny and its worker, a client and its points)."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory) -> Path:
    """The sweep on a LocalCluster of two worker processes, run in this process."""
    out = tmp_path_factory.mktemp("local") / "sweep"
    assert cli.main([*SWEEP, "--out", str(out), "--workers", "2"]) == 0
    return out


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (free ports): the address and the workers."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    dask = Path(sys.executable).with_name("dask")
    dask = [str(dask)] if dask.exists() else [sys.executable, "-m", "dask"]
    common = {"stdout": subprocess.DEVNULL, "start_new_session": True}
    args = ["--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(file)]
    processes = [subprocess.Popen([*dask, "scheduler", *args], stderr=open(folder / "scheduler.log", "w"), **common)]
    try:
        _wait(lambda: file.exists() and file.stat().st_size, "the scheduler's address", processes[0], timeout=60)
        time.sleep(0.2)  # the file is whole
        address = json.loads(file.read_text())["address"]
        for i in range(2):
            args = [address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]
            stderr = open(folder / f"worker{i}.log", "w")
            processes.append(subprocess.Popen([*dask, "worker", *args], stderr=stderr, **common))
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        _stop(processes)


@pytest.fixture(scope="module")
def scheduler_sweep(scheduler, tmp_path_factory):
    """The sweep with ``--scheduler``, one of whose workers is killed while it runs a point (after its
    first checkpoint): the folder, that point's folder and its checkpoint's log when killed."""
    out = tmp_path_factory.mktemp("scheduler") / "sweep"
    command = [sys.executable, "-m", "brian_dendrites", *SWEEP, "--out", str(out), "--scheduler", scheduler]
    client = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        folder, point = _wait(lambda: _running_with_checkpoint(out), "running a point", client)
        point.parent().kill()  # the Dask worker (its nanny starts another)
        point.wait(10)  # killed with it (PR_SET_PDEATHSIG)
        saved = _info(folder / "bars_checkpoint.npz")["log"]
        stdout, stderr = client.communicate(timeout=TIMEOUT)
    finally:
        _stop([client])
    assert client.returncode == 0, stderr
    return out, folder, saved


@pytest.mark.slow
def test_a_local_cluster_runs_every_point_and_tabulates_its_summary(local_sweep):
    table = _table(local_sweep)
    assert [row["seed"] for row in table] == list(SEEDS)
    assert [row["point"] for row in table] == [f"seed={seed}" for seed in SEEDS]
    for row in table:
        summary = json.loads((local_sweep / row["point"] / "summary.json").read_text())
        assert summary["config"]["seed"] == row["seed"] and summary["config"]["epochs"] == 2
        assert {k: row[k] for k in sweep.flatten(summary)} == sweep.flatten(summary)
        assert 0 <= row["final_accuracy"] <= 1 and row["final_mse"] > 0
    assert len({row["final_mse"] for row in table}) == len(SEEDS)  # each point's own numbers
    with open(local_sweep / "results.csv") as stream:
        rows = list(csv.DictReader(stream))
    assert [float(row["final_mse"]) for row in rows] == [row["final_mse"] for row in table]
    assert [row["first_100"] for row in rows] == [
        "" if row["first_100"] is None else str(row["first_100"]) for row in table
    ]
    assert (local_sweep / "sweep.png").stat().st_size > 10_000
    # Each point ran once, on one of the two workers, each in a build folder of its own slot.
    logs = [local_sweep / f"seed={seed}" / sweep.LOG for seed in SEEDS]
    assert all(_attempts(log) == ["nothing"] and log.read_text().count("--- exit status 0") == 1 for log in logs)
    slots = {re.search(r"on worker (\S+):", log.read_text())[1] for log in logs}
    assert slots == {"0", "1"}
    # The build compiled once: every slot's binary built from the same sources is one build's copy.
    for folder in cache_directory().glob("standalone_bars_0_*"):
        twin = folder.with_name(folder.name.replace("standalone_bars_0_", "standalone_bars_1_"))
        stamps = [d / "sources.sha256" for d in (folder, twin)]
        if all(s.exists() for s in stamps) and stamps[0].read_text() == stamps[1].read_text():
            assert (folder / "main").stat().st_mtime_ns == (twin / "main").stat().st_mtime_ns


@pytest.mark.slow
def test_a_running_scheduler_and_its_workers_run_the_same_sweep(local_sweep, scheduler_sweep):
    out, _, _ = scheduler_sweep
    assert _results(out) == _results(local_sweep)
    slots = {re.search(r"on worker (\S+):", (out / f"seed={s}" / sweep.LOG).read_text())[1] for s in SEEDS}
    assert all(re.fullmatch(r"tcp-127-0-0-1-\d+", slot) for slot in slots), slots  # from each worker's address


@pytest.mark.slow
def test_a_killed_worker_loses_no_point_it_resumes_from_its_checkpoint(scheduler_sweep):
    out, folder, saved = scheduler_sweep
    assert all((out / f"seed={seed}" / "summary.json").exists() for seed in SEEDS)
    attempts = _attempts(folder / sweep.LOG)
    assert len(attempts) == 2 and "bars_checkpoint.npz" in attempts[1], attempts
    # The epochs before the kill were not run again: their wall times (which no two runs share) are kept.
    log = json.loads((folder / "bars_results.json").read_text())["log"]
    assert saved["epoch"] and log["train_s"][: len(saved["train_s"])] == saved["train_s"]
    assert log["epoch"] == [0, 1, 2]


@pytest.mark.slow
def test_a_failing_point_is_named_with_the_protocols_error_and_not_retried(capsys, scheduler, tmp_path):
    folder = tmp_path / "sweep" / "seed=1"
    folder.mkdir(parents=True)
    (folder / "bars_checkpoint.npz").write_bytes(b"not a checkpoint")
    args = [*SWEEP, "--out", str(tmp_path / "sweep"), "--scheduler", scheduler]
    args[args.index("seed=0-3")] = "seed=1"
    err = _refused(capsys, *args)
    assert "1 of 1 points failed: seed=1 (brian-dendrites bars: error: " in err, err
    assert "not a readable checkpoint" in err and "(exit status 1)" in err and "sweep.log" in err
    assert len(_attempts(folder / sweep.LOG)) == 1 and not (folder / "summary.json").exists()
    assert _table(tmp_path / "sweep") == []


@pytest.mark.slow
def test_a_killed_client_then_the_same_command_redoes_no_finished_point(local_sweep, tmp_path):
    out = tmp_path / "sweep"
    shutil.copytree(local_sweep, out)
    finished = {seed: (out / f"seed={seed}" / "summary.json").stat() for seed in SEEDS}
    command = [sys.executable, "-m", "brian_dendrites", *SWEEP, "--out", str(out), "--workers", "1"]
    command[command.index("seed=0-3")] = "seed=0-4"  # one more point
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = out / "seed=4"
    _wait(lambda: _point_process(folder), "running the new point", first)
    first.kill()  # the client alone: its LocalCluster's workers and their points end with it
    first.wait()
    _wait(lambda: _point_process(folder) is None, "the point ended with its client", timeout=30)
    assert not (folder / "summary.json").exists()

    second = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout[: second.stdout.rindex("}") + 1]) == {"points": 5, "ran": 1, "skipped": 4}
    for seed, stat in finished.items():
        again = (out / f"seed={seed}" / "summary.json").stat()
        assert (again.st_ino, again.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
        assert len(_attempts(out / f"seed={seed}" / sweep.LOG)) == 1
    assert len(_attempts(folder / sweep.LOG)) == 2
    assert _table(out)[:4] == _table(local_sweep)
    assert [row["seed"] for row in _table(out)] == [*SEEDS, 4]


def _refused(capsys, *args: str) -> str:
    assert cli.main(list(args)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("brian-dendrites sweep: error: "), err
    return err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "args, message",
    [
        (["sweep", "barz", "--grid", "seed=0-1"], "unknown protocol 'barz'; choose from fig1, regression, bars"),
        (["sweep", "bars", "--grid", "sede=0-1"], "grid key 'sede' is not an option of bars"),
        (["sweep", "bars", "--grid", "seed=0,x"], "point seed=x: argument --seed: must be an integer >= 0, got 'x'"),
        (["sweep", "bars", "--grid", "seed=0-1", "--epochs", "0"], "point seed=0: argument --epochs: must be"),
        (["sweep", "bars", "--grid", "seed=0-1", "--quick", "--epochs", "3"], "give --quick or --epochs, not both"),
        (["sweep", "bars", "--grid", "out=a,b"], "grid key 'out' is not an option of bars that a sweep varies"),
        (["sweep", "bars", "--grid", "seed=0-1", "--seed", "3"], "--seed is both in the grid and among the fixed"),
        (["sweep", "bars", "--grid", "seed=3-1"], "grid range '3-1' is empty"),
        (["sweep", "bars", "--grid", "seed=0-9999", "--grid", "epochs=1,2"], "the grid has 20,000 points, more than"),
        (["sweep", "mnist", "evaluate", "--grid", "part=test"], "mnist evaluate writes no output folder (--out)"),
        (["sweep", "bars", "--grid", "seed=0-1", "--march", "a b"], "--march: BRIAN_DENDRITES_MARCH must be"),
        (["sweep", "bars", "--grid", "seed=0-1", "--dry-run"], "--dry-run prints the job script of --slurm or --pbs"),
        (["sweep", "bars", "--grid", "seed=0-1", "--slurm", "--dry-run"], "--slurm needs --memory"),
        (["sweep", "bars", "--grid", "seed=0-1", "--over", "seed"], "--over must be a grid key other than the first"),
    ],
)
def test_bad_input_is_refused_in_one_line_before_anything_starts(capsys, tmp_path, args, message):
    err = _refused(capsys, *args, "--out", str(tmp_path / "sweep"))
    assert message in err, err
    assert not (tmp_path / "sweep").exists()


def test_an_unreachable_scheduler_is_refused_within_the_timeout(capsys, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.perf_counter()
    err = _refused(capsys, *SWEEP, "--out", str(tmp_path / "sweep"), "--scheduler", address, "--timeout", "1")
    assert time.perf_counter() - start < 15
    assert f"cannot reach the scheduler {address} within 1 s" in err
    assert not list((tmp_path / "sweep").glob("seed=*"))


def test_a_grid_of_more_than_ten_thousand_points_runs_with_force(tmp_path):
    # Only checked here (every point parsed by the protocol): the dry run submits nothing.
    args = ["sweep", "bars", "--grid", "seed=0-10000", "--out", str(tmp_path), "--force", "--pbs", "--memory", "1GB"]
    assert cli.main([*args, "--dry-run"]) == 0


@pytest.mark.parametrize(
    "kind, lines",
    [
        ("--slurm", ["#SBATCH -J brian-dendrites-sweep", "#SBATCH -p short", "#SBATCH -t 00:30:00"]),
        ("--pbs", ["#PBS -N brian-dendrites-sweep", "#PBS -q short", "#PBS -l walltime=00:30:00"]),
    ],
)
def test_a_dry_run_prints_the_job_script_and_submits_nothing(capsys, tmp_path, kind, lines):
    options = ["--queue", "short", "--walltime", "00:30:00", "--cores", "4", "--memory", "8GB", "--batch-jobs", "3"]
    assert cli.main([*SWEEP, "--out", str(tmp_path / "sweep"), kind, *options, "--dry-run"]) == 0
    script = capsys.readouterr().out
    assert script.startswith("#!/usr/bin/env bash") and set(lines) <= set(script.splitlines()), script
    assert re.search(r"-m distributed\.cli\.dask_worker tcp://\S+ .*--nthreads 1 .*--nworkers 4", script), script
    assert not (tmp_path / "sweep").exists()


@pytest.mark.slow
def test_a_rerun_with_other_fixed_options_is_refused(capsys, local_sweep):
    args = [*SWEEP, "--out", str(local_sweep)]
    args[args.index("2")] = "3"  # --epochs 3
    err = _refused(capsys, *args)
    assert "holds a sweep of other fixed options, epochs=2 (now 3)" in err


def test_point_names_are_sorted_safe_and_distinct():
    assert sweep.point_name({"seed": "3", "psi": "10"}) == "psi=10_seed=3"
    names = {sweep.point_name({"a": v}) for v in ("x_y", "x=y", "x/y", "x%5Fy", "x y", "é")}
    assert len(names) == 6 and all(re.fullmatch(r"[A-Za-z0-9.%=_-]+", n) for n in names)
    assert sweep.grid_values("0-3") == ("0", "1", "2", "3")
    assert sweep.grid_values("10,100") == ("10", "100")
    assert sweep.grid_values("4-2-1") == ("4-2-1",)


def test_the_sweep_shares_only_out_and_quiet_with_the_protocols():
    # Every other option of a protocol passes through to its points; the sweep parses without abbreviations.
    own = {s for a in cli.parser()._subparsers._group_actions[0].choices["sweep"]._actions for s in a.option_strings}
    for name, protocol in sweep._protocols().items():
        parser = sweep._RefusingParser()
        protocol.add_arguments(parser)
        theirs = {s for a in parser._actions for s in a.option_strings}
        assert own & theirs <= {"--out", "--quiet", "-h", "--help"}, name
    assert set(sweep._protocols()) >= {"bars", "fig1", "regression", "mnist train"} and PROTOCOLS


def test_without_dask_the_sweep_says_how_to_install_it(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    err = _refused(capsys, "sweep", "bars", "--grid", "seed=0-1", "--out", str(tmp_path / "sweep"))
    assert "the sweep needs Dask: pip install 'brian_dendrites[sweep]'" in err
    assert "sweep " in cli.description() and not (tmp_path / "sweep").exists()
