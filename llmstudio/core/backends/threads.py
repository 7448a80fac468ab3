"""torch's CPU threads: one per physical core this process may use."""

from __future__ import annotations

import os
from pathlib import Path

_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")  # torch reads these itself
_threads_set = False


def physical_cores() -> int | None:
    """Physical cores among the CPUs this process may run on (Linux), else None.

    Counts distinct (package, core) pairs of the CPUs in our affinity mask, and caps the
    count by a cgroup CPU quota (containers), so that it is this process's real share.
    """
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    cores = set()
    for cpu in cpus:
        base = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add(
                (
                    base.joinpath("physical_package_id").read_text().strip(),
                    base.joinpath("core_id").read_text().strip(),
                )
            )
        except OSError:
            cores.add(("cpu", str(cpu)))  # no topology: count the CPU itself
    count = len(cores) or len(cpus)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


def configure_cpu_threads() -> int:
    """Set torch's intra-op threads to the physical cores this process may use, unless the
    user chose (``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` is set: torch follows those);
    once per process. Returns the thread count in force.

    Why: torch's default comes from the machine's core count, not from the share this
    process gets; in a container with a CPU quota or under an affinity mask that is more
    threads than cores, and oversubscribed threads spin and wait on one another at every
    matmul. Hyperthreads are not counted either: two of one core share its vector units,
    so they add contention, not FLOP/s, to the dense matmuls a transformer is made of.
    """
    global _threads_set
    import torch

    if not _threads_set:
        _threads_set = True
        if not any(os.environ.get(v) for v in _THREAD_ENV):
            cores = physical_cores()
            if cores and cores != torch.get_num_threads():
                torch.set_num_threads(cores)
    return torch.get_num_threads()


def cpu_threads() -> int:
    """The threads :func:`configure_cpu_threads` gives torch, found without importing it
    (a run through ONNX Runtime alone): the user's ``OMP_NUM_THREADS`` or
    ``MKL_NUM_THREADS``, else the physical cores this process may use."""
    for name in _THREAD_ENV:
        try:
            value = int(os.environ.get(name) or 0)
        except ValueError:
            value = 0
        if value > 0:
            return value
    return physical_cores() or os.cpu_count() or 1
