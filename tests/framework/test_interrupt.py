"""Ctrl-C: a command ends with one line and exit status 130, keeps its last checkpoint and leaves no
Brian2 debug files; a SIGINT ignored at start stays ignored. The commands run in their own process
group, which gets the SIGINT as a terminal sends it. From the Python API, an interrupt stops the
workers of a process pool too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brian_dendrites import interrupt
from brian_dendrites.devices.toolchain import interrupted_make
from brian_dendrites.files import atomic_target, read_npz
from brian_dendrites.interrupt import interrupted, interruptible, process_pool

#: A depth run that checkpoints every few ms, for minutes (backprop students only: no Brian2 build).
DEPTH = ["depth", "--sizes", "2-1", "--seeds", "0-999", "--epochs", "200", "--models", "backprop", "--quiet"]


def _info(checkpoint: Path) -> dict:
    """The info record of a checkpoint (brian_dendrites.checkpoint), read without its fingerprint's check."""
    return json.loads(str(read_npz(checkpoint, "checkpoint")["info"]))


class Command:
    """``python -m brian_dendrites ARGS`` in a new session, with its own temporary folder."""

    def __init__(self, tmp_path: Path, args: list[str], ignore_sigint: bool = False, **env: str) -> None:
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()
        self.stderr_path = tmp_path / "stderr.txt"
        with open(self.stderr_path, "w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "brian_dendrites", *args],
                cwd=tmp_path,
                env=os.environ | {"TMPDIR": str(self.tmp)} | env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
                preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None,
            )

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def wait_until(self, ready, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while not ready():
            assert self.process.poll() is None, f"ended early ({self.process.returncode}): {self.stderr}"
            assert time.monotonic() < end, f"not ready after {timeout} s: {self.stderr}"
            time.sleep(0.05)

    def signal(self, signum: int, group: bool = True) -> None:
        if group:
            os.killpg(self.process.pid, signum)
        else:
            os.kill(self.process.pid, signum)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError(f"still running {timeout} s after the signal: {self.stderr}") from None

    def assert_interrupted(self, command: str) -> None:
        assert self.wait() == 130, self.stderr
        assert "Traceback" not in self.stderr, self.stderr
        lines = [line for line in self.stderr.replace("\r", "\n").splitlines() if line.strip()]
        assert lines[-1] == f"brian-dendrites {command}: interrupted; resume with the same command", self.stderr
        assert not list(self.tmp.glob("brian_*")), "Brian2's debug files were left behind"


@pytest.mark.slow
@pytest.mark.parametrize("group", [True, False], ids=["process group", "process"])
def test_ctrl_c_ends_in_one_line_and_keeps_the_checkpoint(tmp_path, group):
    command = Command(tmp_path, [*DEPTH, "--out", "out"])
    checkpoint = tmp_path / "out" / "depth_checkpoint.npz"
    command.wait_until(checkpoint.exists)
    time.sleep(0.3)  # a few checkpoints later: the SIGINT comes while one is written, or between two
    command.signal(signal.SIGINT, group)
    command.assert_interrupted("depth")
    assert _info(checkpoint)["runs"]["2-1"]  # whole, with the seeds done
    assert not [p.name for p in checkpoint.parent.iterdir() if p.name.endswith(".tmp.npz")]


@pytest.mark.slow
def test_ctrl_c_stops_a_standalone_binary_in_one_line(tmp_path):
    # bars runs its network as a cpp_standalone binary, which the terminal's SIGINT stops too: Brian2
    # then reported "RuntimeError: Project run failed" under its bug-report banner.
    command = Command(tmp_path, ["bars", "--out", "out", "--epochs", "400", "--quiet"])
    checkpoint = tmp_path / "out" / "bars_checkpoint.npz"
    command.wait_until(checkpoint.exists, timeout=240)  # compiled (or from the build cache) and running
    time.sleep(0.5)
    command.signal(signal.SIGINT)
    command.assert_interrupted("bars")
    assert _info(checkpoint)["log"]["epoch"]


@pytest.mark.slow
def test_ctrl_c_stops_the_attention_protocol_in_one_line(tmp_path, mnist_dir):
    # Brian2's excepthook dropped the KeyboardInterrupt: the command ended silently with status -2.
    args = ["attention", "--out", "out", "--epochs", "50", "--hidden", "50", "--train-images", "2000", "--no-demo"]
    command = Command(tmp_path, [*args, "--quiet", "--data-dir", str(mnist_dir)])
    command.wait_until(lambda: any((tmp_path / "out").glob("model_*.npz")))
    command.signal(signal.SIGINT)
    command.assert_interrupted("attention")


@pytest.mark.slow
def test_ctrl_c_stops_the_worker_processes_and_the_jobs_not_started(tmp_path, mnist_dir):
    # Two workers train two variants, a third waits: on Ctrl-C both stop and the third never starts.
    args = ["mnist", "train", "--out", "out", "--variants", "shallow,backprop,a", "--epochs", "9", "--jobs", "2"]
    command = Command(tmp_path, [*args, "--data-dir", str(mnist_dir)])
    command.wait_until(lambda: "MNIST (shallow)" in command.stderr and "MNIST (backprop)" in command.stderr)
    command.signal(signal.SIGINT)
    command.assert_interrupted("mnist")
    assert "MNIST (a)" not in command.stderr
    assert not (tmp_path / "out" / "model_a.npz").exists()


@pytest.mark.slow
def test_a_sigint_ignored_at_start_stays_ignored(tmp_path):
    # As in a job started with & by a non-interactive shell; Brian2's handler then failed with
    # "TypeError: 'Handlers' object is not callable".
    command = Command(tmp_path, [*DEPTH, "--out", "out"], ignore_sigint=True)
    command.wait_until((tmp_path / "out" / "depth_checkpoint.npz").exists)
    command.signal(signal.SIGINT)
    time.sleep(1.0)
    assert command.process.poll() is None, command.stderr
    command.signal(signal.SIGTERM)
    assert command.wait() == -signal.SIGTERM
    assert "Error" not in command.stderr, command.stderr


def test_an_interrupt_while_a_file_is_written_leaves_the_previous_one(tmp_path):
    path = tmp_path / "checkpoint.json"
    path.write_text("previous")
    with pytest.raises(KeyboardInterrupt), atomic_target(path) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.json"]


class _InterruptedFinalizer:
    def __del__(self) -> None:
        raise KeyboardInterrupt


def test_an_interrupt_in_a_finalizer_is_reported_by_the_hook_in_place(monkeypatch):
    # The package's hook delivered it again from inside the hook, where Python drops it as a failure
    # of the hook ("Exception ignored in sys.unraisablehook").
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    monkeypatch.setitem(interrupt._STATE, "received", False)  # interrupted() again after the test
    with interruptible():
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        finalizer = _InterruptedFinalizer()
        del finalizer
    assert [type(unraisable.exc_value) for unraisable in reported] == [KeyboardInterrupt]


def _mark_and_sleep(marker: Path) -> None:
    marker.touch()
    time.sleep(30)


def test_an_interrupt_outside_the_command_line_stops_the_workers(tmp_path):
    # As a Jupyter kernel's interrupt: the parent alone gets SIGINT, outside interruptible(); its
    # KeyboardInterrupt used to wait until the workers had finished their jobs.
    marker = tmp_path / "started"
    assert not interrupted()
    with pytest.raises(KeyboardInterrupt), process_pool(1) as pool:
        job = pool.submit(_mark_and_sleep, marker)
        end = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < end:
            time.sleep(0.02)
        assert marker.exists(), "the job did not start"
        start = time.monotonic()
        raise KeyboardInterrupt
    assert time.monotonic() - start < 15  # not the job's 30 s (a loaded CI machine takes a few)
    assert isinstance(job.exception(), KeyboardInterrupt)


@pytest.mark.parametrize(
    ("message", "interrupted"),
    [
        ("Project compilation failed (error code: 2).", True),  # make killed by SIGINT
        ("Project compilation failed (error code: 512).", False),  # make exited with status 2
        ("Project compilation failed.", False),
    ],
)
def test_a_compilation_is_interrupted_only_where_make_was_killed_by_sigint(message, interrupted):
    assert interrupted_make(RuntimeError(message)) is interrupted
