"""What this computer's CPU can do that changes how a local model should run on it, read
without importing torch (a second of start-up): bfloat16 instructions
(:func:`bfloat16_cpu`), which decide whether PyTorch in bfloat16 is offered."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def bfloat16_cpu() -> bool:
    """Whether this computer's CPU has bfloat16 matrix instructions (AVX512-BF16: AMD
    Zen 4 on, Intel Cooper Lake; AMX: Intel Sapphire Rapids on), with which PyTorch runs
    a model in bfloat16 1.4-1.9x as fast as in float32; without them, several times
    slower (benchmarks/RESULTS.md, "PyTorch in bfloat16 on the CPU"). Read from Linux's
    ``/proc/cpuinfo``, without torch; elsewhere not known: False (PyTorch in bfloat16 is
    then not offered)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return cpu_flags_have_bfloat16(text)


def cpu_flags_have_bfloat16(cpuinfo: str) -> bool:
    """Whether a ``/proc/cpuinfo`` text's ``flags`` lines name bfloat16 instructions."""
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})
