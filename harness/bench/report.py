"""Render the suite's figures as a Markdown page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .figures import Figure, Sample


def format_number(value: float) -> str:
    """Format ``value`` with three significant digits and thousands separators."""
    # The bounds are where rounding to three digits reaches the next power
    # of ten, so 99.96 is written 100, not 100.0.
    magnitude = abs(value)
    if magnitude >= 99.95:
        return f"{value:,.0f}"
    if magnitude >= 9.995:
        return f"{value:.1f}"
    if magnitude >= 0.9995:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_sample(sample: Sample | None) -> str:
    """Format a median and the range over the runs, or ``n/a``."""
    if sample is None:
        return "n/a"
    median = format_number(sample.median)
    if len(sample.values) == 1:
        return median
    return f"{median} ({format_number(sample.low)}–{format_number(sample.high)})"


def format_target(figure: Figure) -> str:
    """Format the target and whether it is met."""
    if figure.target is None:
        return ""
    met = figure.met
    verdict = {True: "met", False: "**not met**", None: "no reference"}[met]
    return f"{figure.target.text}: {verdict}"


def format_ratio(figure: Figure) -> str:
    """Format the ratio to the real Engine, or ``n/a``."""
    ratio = figure.ratio
    return "n/a" if ratio is None else f"{format_number(ratio)}×"


def table(figures: Sequence[Figure]) -> list[str]:
    """Return the Markdown lines of one table of figures."""
    lines = [
        "| figure | unit | fake | real | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for figure in figures:
        name = figure.name + (f" ({figure.note})" if figure.note else "")
        lines.append(
            f"| {name} | {figure.unit} | {format_sample(figure.fake)} | "
            f"{format_sample(figure.real)} | {format_ratio(figure)} | "
            f"{format_target(figure)} |"
        )
    return lines


def render(
    figures: Sequence[Figure],
    machine: Mapping[str, str],
    command: str,
    failures: Mapping[str, str],
    preamble: str = "",
) -> str:
    """Return the results page: machine, one table per section, failures."""
    lines = ["## Results", ""]
    if preamble:
        lines += [preamble, ""]
    lines += ["Measured on:", ""]
    lines += [f"- {name}: {value}" for name, value in machine.items()]
    lines += ["", f"Command: `{command}`", ""]
    sections: dict[str, list[Figure]] = {}
    for figure in figures:
        sections.setdefault(figure.section, []).append(figure)
    for section, members in sections.items():
        lines += [f"### {section}", "", *table(members), ""]
    if failures:
        lines += ["### Sections that failed", ""]
        lines += [f"- {section}: {error}" for section, error in failures.items()]
        lines.append("")
    return "\n".join(lines)


def summary(figures: Sequence[Figure]) -> list[str]:
    """Return one line per figure with a target: the figure and its verdict."""
    lines = []
    for figure in figures:
        if figure.target is None:
            continue
        lines.append(
            f"{format_target(figure):<28} {figure.name}: fake "
            f"{format_sample(figure.fake)} {figure.unit}, ratio {format_ratio(figure)}"
        )
    return lines
