"""The compiler side of a standalone build: flags, the precompiled header, cuRAND, the makefile, compiling.

Brian2 compiles with -ffast-math -fno-finite-math-only, which keeps NaN and inf semantics but leaves
__FAST_MATH__ undefined, so glibc declares no vector exp/log. Defining it (:data:`VECTOR_MATH`) lets GCC
vectorise the per-neuron transfer functions with libmvec (about 4x faster on AVX2); NaN still propagates.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import brian2
from brian2.codegen.cpp_prefs import get_compiler_and_args

from brian_dendrites.devices.cache import built_from, cache_directory, copy_twin, locked, sources_digest, stamp, unstamp
from brian_dendrites.errors import ParameterError

__all__ = [
    "VECTOR_MATH",
    "PRECOMPILED",
    "vector_math",
    "march",
    "with_march",
    "curand_from_wheel",
    "import_brian2cuda",
    "sort_recorded_variables",
    "cuda_makefile",
    "compile_project",
    "interrupted_make",
]

logger = logging.getLogger(__name__)

#: The define that gives glibc's vector exp/log to Brian2's fast-math code.
VECTOR_MATH = "-D__FAST_MATH__"
#: Every translation unit includes objects.h first (forced with -include), so that GCC and clang can use
#: it precompiled: its parsing was 90 % of compiling each code object.
PRECOMPILED = ["-include", "objects.h"]


def vector_math() -> dict[str, Any]:
    """Brian2's preferences with :data:`VECTOR_MATH` among GCC's compile arguments.

    Returns
    -------
    dict of str to list of str
        ``codegen.cpp.extra_compile_args_gcc`` -> the current arguments, and the define if they lack it.
    """
    flags = brian2.prefs.codegen.cpp.extra_compile_args_gcc
    return {"codegen.cpp.extra_compile_args_gcc": flags if VECTOR_MATH in flags else [*flags, VECTOR_MATH]}


def march() -> str:
    """The ``-march`` of the compile flags: ``$BRIAN_DENDRITES_MARCH``, or Brian2's ``native``.

    A binary built with ``-march=native`` runs only on CPUs with every instruction set of the one that
    built it; a cluster of mixed nodes needs a portable value such as ``x86-64-v2``.

    Returns
    -------
    str
        The value, e.g. ``native`` or ``x86-64-v3``.

    Raises
    ------
    ParameterError
        If ``$BRIAN_DENDRITES_MARCH`` is empty or has characters other than letters, digits, '-', '_' and '.'.
    """
    value = os.environ.get("BRIAN_DENDRITES_MARCH", "native")
    if not re.fullmatch(r"[A-Za-z0-9._-]+", value):
        raise ParameterError(f"BRIAN_DENDRITES_MARCH must be a -march value such as x86-64-v2, got {value!r}")
    return value


def with_march(flags: list[str], value: str) -> list[str]:
    """``flags`` with ``-march=value`` in place of their ``-march`` (appended where they have none).

    Parameters
    ----------
    flags : list of str
        Compiler arguments.
    value : str
        The ``-march`` value (see :func:`march`).

    Returns
    -------
    list of str
        The arguments, each other one unchanged and in place.
    """
    if not any(flag.startswith("-march=") for flag in flags):
        return [*flags, f"-march={value}"]
    return [f"-march={value}" if flag.startswith("-march=") else flag for flag in flags]


def curand_from_wheel() -> dict[str, Any]:
    """Brian2's preferences that take cuRAND from pip's nvidia-curand where the CUDA toolkit lacks it.

    The wheel (``nvidia/cu13``) gives its headers, and its libcurand.so.10 through a link named
    libcurand.so, the name the linker asks for, in the cache (a fixed folder, so that the makefile stays
    the same between processes).

    Returns
    -------
    dict of str to list of str
        ``codegen.cpp.include_dirs`` and ``codegen.cpp.library_dirs`` with the wheel's folders; empty where
        the toolkit has cuRAND, or nvcc or the wheel is missing (nvcc then names the missing header).
    """
    nvcc = shutil.which("nvcc")
    if nvcc is None or (Path(nvcc).resolve().parents[1] / "include" / "curand.h").exists():
        return {}
    try:
        import nvidia.cu13 as wheel
    except ImportError:
        return {}
    root = Path(wheel.__path__[0])
    links = cache_directory() / "curand"
    links.mkdir(parents=True, exist_ok=True)
    if not (links / "libcurand.so").exists():
        (links / "libcurand.so").symlink_to(root / "lib" / "libcurand.so.10")
    settings = {}
    for name, folder in (("include_dirs", root / "include"), ("library_dirs", links)):
        folders = brian2.prefs[f"codegen.cpp.{name}"]
        if str(folder) not in folders:
            settings[f"codegen.cpp.{name}"] = [*folders, str(folder)]
    return settings


def import_brian2cuda() -> ModuleType:
    """Brian2CUDA, whose import registers the ``cuda_standalone`` device.

    Returns
    -------
    module
        The ``brian2cuda`` package.

    Raises
    ------
    ParameterError
        If Brian2CUDA is not installed.
    """
    try:
        import brian2cuda
    except ImportError as error:
        raise ParameterError(
            "target 'cuda_standalone' needs Brian2CUDA, which needs Python >= 3.12: pip install 'brian_dendrites[cuda]'"
        ) from error
    return brian2cuda


def sort_recorded_variables(monitor: brian2.SpikeMonitor) -> None:
    """Sort the variables a SpikeMonitor records, in the order Brian2CUDA writes them.

    Brian2 takes that dict's order from a set: sorted, every process generates the same code, and a
    cached build is reused.

    Parameters
    ----------
    monitor : brian2.SpikeMonitor
        A monitor not yet built.
    """
    kwds = monitor.template_kwds
    kwds["record_variables"] = dict(sorted(kwds["record_variables"].items()))


def cuda_makefile(directory: Path) -> None:
    """Compile the CUDA sources as C++17: Brian2CUDA's makefile asks for C++11, which the Thrust and CUB
    of CUDA 12 and later refuse.

    Parameters
    ----------
    directory : pathlib.Path
        A generated ``cuda_standalone`` project.
    """
    makefile = directory / "makefile"
    makefile.write_text(makefile.read_text().replace("-std=c++11", "-std=c++17"))


def _precompile_header(directory: Path) -> Path | None:
    """Precompile objects.h with the makefile's flags; None if that fails (make then parses it as usual)."""
    flags = re.search(r"^OPTIMISATIONS = (.*)$", (directory / "makefile").read_text(), re.M)
    if flags is None:
        return None
    header = directory / "objects.h.gch"
    options = flags.group(1).replace(" ".join(PRECOMPILED), "")
    cxx = os.environ.get("CXX", "g++")  # as make's default
    command = f"{cxx} -Wno-write-strings {options} -I. -x c++-header objects.h -o {header.name}"
    if subprocess.run(command, shell=True, cwd=directory, capture_output=True).returncode != 0:
        header.unlink(missing_ok=True)
        return None
    return header


def _write_dependencies(directory: Path) -> None:
    """Write make.deps: each object depends on its source and on every header of the project.

    Brian2's makefile would make it by preprocessing every source in one process (a third of a build),
    and its rules name the code objects without their folder, so that they never apply. The superset
    here is instant and rebuilds every object that a changed header could touch."""
    sources = re.search(r"^SRCS = (.*)$", (directory / "makefile").read_text(), re.M)
    if sources is None:
        return
    headers = " ".join(sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*.h")))
    rules = [f"{Path(s).with_suffix('.o').as_posix()}: {s} {headers}\n" for s in sources.group(1).split()]
    (directory / "make.deps").write_text("".join(rules))  # newer than every source: make keeps it


def compile_project(directory: Path, key: str, target: str) -> None:
    """Compile the project in ``directory`` unless its binary was built from the same sources.

    Brian2 rewrites main.cpp on every build, with its clock resets in an order that varies between
    processes, and make would then rebuild; the digest compares main.cpp's lines as a sorted list.
    Builds of one structure under different names (runs side by side, e.g. the regression learners)
    compile once: a lock on the structure's key lets one process compile while the others wait, and
    they then copy its binary.

    Parameters
    ----------
    directory : pathlib.Path
        A generated standalone project, on Brian2's current device.
    key : str
        The digest of its structure.
    target : {"cpp_standalone", "cuda_standalone"}
        The device it was generated for.

    Raises
    ------
    KeyboardInterrupt
        If make was interrupted (Ctrl-C).
    RuntimeError
        If the compilation failed.
    """
    sources = sources_digest(directory)
    if built_from(directory, sources):
        return
    with locked(directory.parent / f"standalone_{key}.lock"):
        if built_from(directory, sources):
            return
        unstamp(directory)
        if copy_twin(directory, key, sources):
            return
        reason = "its generated sources changed" if (directory / "main").exists() else "first use of this structure"
        logger.info("compiling the network (%s, %s) in %s ...", target, reason, directory)
        start = time.perf_counter()
        compiler = get_compiler_and_args()[0]
        header = None
        if compiler != "msvc" and target == "cpp_standalone":
            _write_dependencies(directory)
            header = _precompile_header(directory)
        try:
            brian2.get_device().compile_source(str(directory), compiler, debug=False, clean=False)
        except RuntimeError as error:
            if interrupted_make(error):
                raise KeyboardInterrupt from error
            raise
        finally:
            if header is not None:
                header.unlink(missing_ok=True)  # 40 MB, needed only while compiling
        stamp(directory, sources)
        logger.info("compiled in %.1f s; later runs of this structure reuse the build", time.perf_counter() - start)


def interrupted_make(error: RuntimeError) -> bool:
    """Whether Brian2's compilation failed because make was killed by SIGINT.

    Ctrl-C in a terminal reaches make, while ``os.system``, which runs it, ignores SIGINT in this process.
    Brian2 reports the wait status.

    Parameters
    ----------
    error : RuntimeError
        The error Brian2's ``compile_source`` raised.

    Returns
    -------
    bool
        True if the wait status it reports is that of a process killed by SIGINT.
    """
    code = re.search(r"compilation failed \(error code: (\d+)\)", str(error))
    return code is not None and os.WIFSIGNALED(int(code[1])) and os.WTERMSIG(int(code[1])) == signal.SIGINT
