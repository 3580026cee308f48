"""A benchmark child process's own peak resident set."""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """This process's peak resident set: VmHWM, since Linux carries ru_maxrss over from the parent across exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
