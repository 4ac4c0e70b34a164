"""Real-time scheduling for the control thread: SCHED_FIFO where the system allows it."""

from __future__ import annotations

import logging
import os

log = logging.getLogger("control.core")


def raise_priority(priority: int) -> bool:
    """Put the calling thread under SCHED_FIFO at `priority` (0: leave it alone).

    Only this thread changes (Linux applies sched_setscheduler(0) to the caller). A refusal
    (no CAP_SYS_NICE and RLIMIT_RTPRIO below `priority`, a seccomp filter, no RT support) is not
    fatal: the loop runs at normal priority and a warning names what would allow it."""
    if priority <= 0:
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (OSError, AttributeError) as err:
        log.warning(
            "control thread runs at normal priority, SCHED_FIFO %d refused (%s): allow it with "
            "LimitRTPRIO=%d in the unit, or set machine.rt_priority: 0",
            priority,
            err,
            priority,
        )
        return False
    log.info("control thread runs at SCHED_FIFO priority %d", priority)
    return True
