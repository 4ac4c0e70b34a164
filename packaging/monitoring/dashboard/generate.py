"""The Grafana dashboard from code (grafanalib), as JSON for file provisioning: one row per line,
repeated over $instance; every panel expression also goes to a rules file for promtool."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from grafanalib._gen import DashboardEncoder
from grafanalib.core import (
    Dashboard,
    GridPos,
    Repeat,
    RowPanel,
    Stat,
    StateTimeline,
    Target,
    Template,
    Templating,
    Time,
    TimeSeries,
)

DS = "Prometheus"
SEL = 'instance=~"$instance"'
HERE = Path(__file__).resolve().parent


def t(expr: str, legend: str, ref: str = "A") -> Target:
    return Target(expr=expr, legendFormat=legend, refId=ref, datasource=DS)


def series(title: str, targets: list[Target], unit: str, x: int, y: int, w: int = 8) -> TimeSeries:
    return TimeSeries(
        title=title, dataSource=DS, targets=targets, unit=unit, gridPos=GridPos(h=7, w=w, x=x, y=y)
    )


def line_panels(y: int) -> list[object]:
    """The panels of one line's row, top-left at height y."""
    return [
        StateTimeline(
            title="State",
            dataSource=DS,
            gridPos=GridPos(h=4, w=18, x=0, y=y),
            targets=[t(f"tvemicro_machine_state{{{SEL}}} == 1", "{{state}}")],
        ),
        Stat(
            title="Version",
            dataSource=DS,
            gridPos=GridPos(h=4, w=6, x=18, y=y),
            textMode="name",
            reduceCalc="lastNotNull",
            targets=[t(f"tvemicro_build_info{{{SEL}}}", "{{version}}")],
        ),
        series(
            "Zone temperature vs setpoint",
            [
                t(f"tvemicro_zone_temperature_celsius{{{SEL}}}", "{{zone}}"),
                t(f"tvemicro_zone_setpoint_celsius{{{SEL}}}", "{{zone}} setpoint", "B"),
            ],
            "celsius",
            0,
            y + 4,
        ),
        series(
            "Heater duty",
            [t(f"tvemicro_zone_duty_ratio{{{SEL}}}", "{{zone}}")],
            "percentunit",
            8,
            y + 4,
        ),
        series(
            "Motor speed (rpm)",
            [
                t(f"60 * tvemicro_motor_speed_revolutions_per_second{{{SEL}}}", "{{motor}}"),
                t(
                    f"60 * tvemicro_motor_target_revolutions_per_second{{{SEL}}}",
                    "{{motor}} target",
                    "B",
                ),
            ],
            "rpm",
            16,
            y + 4,
        ),
        series(
            "Alarms",
            [
                t(f"tvemicro_alarms_active{{{SEL}}}", "active {{severity}}"),
                t(
                    f"sum by (reason) (increase(tvemicro_trips_total{{{SEL}}}[5m]))",
                    "trip {{reason}}",
                    "B",
                ),
            ],
            "short",
            0,
            y + 11,
        ),
        series(
            "Control tick lateness",
            [
                t(f"tvemicro:loop_tick_lateness_seconds:p99_5m{{{SEL}}}", "p99"),
                t(
                    "histogram_quantile(0.5, sum by (le) (rate("
                    f"tvemicro_loop_tick_lateness_seconds_bucket{{{SEL}}}[5m])))",
                    "p50",
                    "B",
                ),
                t(f"tvemicro:loop_overruns:ratio_5m{{{SEL}}}", "overrun ratio", "C"),
            ],
            "s",
            8,
            y + 11,
        ),
        series(
            "REST latency and errors",
            [
                t(f"tvemicro:http_request_duration_seconds:p95_5m{{{SEL}}}", "p95"),
                t(f"tvemicro:http_5xx:ratio_5m{{{SEL}}}", "5xx ratio", "B"),
                t(f"tvemicro:hmi_command_roundtrip_seconds:p95_15m{{{SEL}}}", "panel tap p95", "C"),
            ],
            "s",
            16,
            y + 11,
        ),
    ]


def dashboard() -> Dashboard:
    instance = Template(
        name="instance",
        label="Line",
        dataSource=DS,
        multi=True,
        includeAll=True,
        query="label_values(tvemicro_build_info, instance)",
    )
    row = RowPanel(
        title="Line $instance",
        gridPos=GridPos(h=1, w=24, x=0, y=0),
        repeat=Repeat(direction="v", variable="instance"),
    )
    return Dashboard(
        title="TVEmicro fleet",
        uid="tvemicro-fleet",
        tags=["tvemicro"],
        timezone="browser",
        time=Time("now-6h", "now"),
        refresh="30s",
        templating=Templating(list=[instance]),
        panels=[row, *line_panels(1)],
    ).auto_panel_ids()


def expressions(data: dict[str, object]) -> list[tuple[str, str]]:
    """(panel title, expr) for every target of every panel in the JSON."""
    out = []
    for panel in data.get("panels", []):  # type: ignore[union-attr]
        for target in panel.get("targets", []):
            if target.get("expr"):
                out.append((panel["title"], target["expr"]))
    return out


def rules_for_promtool(exprs: list[tuple[str, str]]) -> str:
    """Each expression as a recording rule, so `promtool check rules` parses it ($vars filled)."""
    lines = ["groups:", "  - name: dashboard-panels", "    rules:"]
    for k, (title, expr) in enumerate(exprs):
        filled = expr.replace("$instance", ".+")
        lines += [
            f"      # {title}",
            f"      - record: dashboard:panel_{k}",
            f"        expr: {json.dumps(filled)}",
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=str(HERE / "tvemicro.json"))
    p.add_argument("--rules", help="also write the panel expressions as a promtool rules file")
    args = p.parse_args()
    text = json.dumps(dashboard().to_json_data(), cls=DashboardEncoder, indent=2, sort_keys=True)
    Path(args.out).write_text(text + "\n")
    if args.rules:
        exprs = expressions(json.loads(text))
        assert exprs and all(re.search(r"tvemicro", e) for _, e in exprs)
        Path(args.rules).write_text(rules_for_promtool(exprs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
