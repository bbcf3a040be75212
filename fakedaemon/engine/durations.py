"""Go's text form of durations, as dockerd writes them in messages and configs."""

from __future__ import annotations


def format_go_duration(nanoseconds: int) -> str:
    """Format nanoseconds as Go's ``time.Duration.String`` (``1m30s``)."""
    if nanoseconds == 0:
        return "0s"
    seconds, remainder = divmod(nanoseconds, 10**9)
    if seconds == 0:
        # Below a second Go picks the largest unit that keeps a whole
        # number before the point: 1.5ms, 2.25µs, 999ns.
        for unit, size, digits in (("ms", 10**6, 6), ("µs", 10**3, 3)):
            if remainder >= size:
                whole, part = divmod(remainder, size)
                fraction = f".{part:0{digits}d}".rstrip("0") if part else ""
                return f"{whole}{fraction}{unit}"
        return f"{remainder}ns"
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    fraction = f".{remainder:09d}".rstrip("0") if remainder else ""
    text = f"{seconds}{fraction}s"
    if hours or minutes:
        text = f"{minutes}m" + text
    if hours:
        text = f"{hours}h" + text
    return text
