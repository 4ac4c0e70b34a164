"""`tvemicro kpi --html`: one self-contained page, charts as inline SVG (matplotlib), no scripts."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("svg")  # no display, no Tk: plain SVG text to inline in the page
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from app.kpi.text import render

STATE_COLOURS = {  # ISA-101: grey for normal, colour only for what needs attention
    "off": "#d9d9d9",
    "unknown": "#eeeeee",
    "disabled": "#bdbdbd",
    "idle": "#a6a6a6",
    "heating": "#f2c14e",
    "ready": "#9cc3e6",
    "starting": "#6fa8dc",
    "running": "#3b7d3b",
    "stopping": "#6fa8dc",
    "fault": "#c0392b",
}


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE: inline in HTML


def state_timeline(r: dict[str, Any]) -> str:
    segments = r["quality"]["states"]["timeline"]
    t0 = segments[0][0] if segments else 0.0
    fig, ax = plt.subplots(figsize=(10, 1.8))
    for start, end, state in segments:
        ax.barh(
            0,
            (end - start) / 3600,
            left=(start - t0) / 3600,
            color=STATE_COLOURS.get(state, "#777777"),
            height=0.8,
        )
    seen = list(dict.fromkeys(s for _, _, s in segments))
    handles = [plt.Rectangle((0, 0), 1, 1, color=STATE_COLOURS.get(s, "#777777")) for s in seen]
    ax.legend(
        handles,
        seen,
        ncol=len(seen) or 1,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.45),
        frameon=False,
        fontsize=8,
    )
    ax.set_yticks([])
    ax.set_xlabel("hours since the start of the period")
    ax.set_title("Machine state")
    return _svg(fig)


def alarms_per_hour(r: dict[str, Any]) -> str:
    counts = r["alarms_per_hour_hourly"]
    fig, ax = plt.subplots(figsize=(10, 2.2))
    ax.bar(range(len(counts)), counts, width=1.0, color="#7f7f7f")
    ax.axhline(6, color="#c0392b", linewidth=1, linestyle="--", label="EEMUA 191: ~6/h")
    ax.set_xlabel("hour of the period")
    ax.set_ylabel("alarms raised")
    ax.set_title("Alarms per hour")
    ax.legend(frameon=False, fontsize=8)
    return _svg(fig)


def time_to_ack(r: dict[str, Any]) -> str:
    times = [t / 60 for t in r["quality"]["alarms"]["ack_times_s"]]
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.hist(times, bins=min(20, max(1, len(times))), color="#7f7f7f")
    al = r["quality"]["alarms"]
    for key, style in (("ack_median_s", "-"), ("ack_p90_s", "--")):
        if al[key] is not None:
            ax.axvline(al[key] / 60, color="#333333", linestyle=style, label=key[4:-2])
    ax.set_xlabel("minutes from raised to acknowledged")
    ax.set_title(f"Time to acknowledge ({len(times)} acks)")
    if times:
        ax.legend(frameon=False, fontsize=8)
    return _svg(fig)


def adoption(r: dict[str, Any]) -> str:
    a = r["adoption"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(7, 2.6))
    weeks = a["retention"]
    left.bar(
        [f"wk {k + 1}" for k in range(len(weeks))],
        [w["users"] for w in weeks],
        color="#7f7f7f",
        label="panel users",
    )
    act = a["activation"]
    left.axhline(act["roster"], color="#333333", linestyle="--", label="roster")
    left.set_title("Panel users per week")
    left.legend(frameon=False, fontsize=8)
    src = a["command_sources"]["by_source"]
    right.bar(list(src), list(src.values()), color="#7f7f7f")
    right.set_title("Commands by source")
    return _svg(fig)


def write_html(r: dict[str, Any], path: Path) -> None:
    """The page: the text report and four charts, every byte inline (opens offline)."""
    charts = [state_timeline(r), alarms_per_hour(r), time_to_ack(r), adoption(r)]
    body = "\n".join(f'<div class="chart">{svg}</div>' for svg in charts)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>TVEmicro hypercare KPIs {html.escape(r["period"]["since"])}</title>
<style>
body {{ font-family: sans-serif; background: #f4f4f4; color: #222; margin: 1.5em; }}
pre {{ background: #fff; padding: 1em; border: 1px solid #ccc; overflow-x: auto; }}
.chart {{ background: #fff; border: 1px solid #ccc; margin: 0.8em 0; padding: 0.5em;
          display: inline-block; vertical-align: top; }}
.chart svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>TVEmicro hypercare KPIs</h1>
<pre>{html.escape(render(r))}</pre>
{body}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
