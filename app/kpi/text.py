"""The KPI report as plain text for a terminal or a shift note."""

from __future__ import annotations

from typing import Any


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


def _num(value: float | None, unit: str = "", fmt: str = ".1f") -> str:
    return "n/a" if value is None else f"{value:{fmt}}{unit}"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def render(r: dict[str, Any]) -> str:
    p, a, q = r["period"], r["adoption"], r["quality"]
    lines = [f"TVEmicro hypercare KPIs {p['since']} → {p['until']} ({p['hours']:.1f} h)", ""]
    lines += [*_adoption(a), "", *_quality(q), "", *_latency(r["latency"])]
    return "\n".join(lines) + "\n"


def _adoption(a: dict[str, Any]) -> list[str]:
    act, src = a["activation"], a["command_sources"]
    out = [
        "Adoption",
        f"  activation          {act['active']}/{act['roster']} operators logged in on the panel"
        f" ({_pct(act['ratio'])}); never: {', '.join(act['never_logged_in']) or '-'}",
    ]
    for k, week in enumerate(a["retention"]):
        kept = (
            "" if week["retained"] is None else f", {week['retained']} back ({_pct(week['ratio'])})"
        )
        out.append(f"  week {k + 1}              {week['users']} panel users{kept}")
    by = ", ".join(f"{k} {v}" for k, v in src["by_source"].items()) or "-"
    out.append(f"  commands            {src['total']} ({by}); panel {_pct(src['panel_share'])}")
    for name, s in a["logins_per_shift"].items():
        out.append(
            f"  logins/{name:<12} {s['logins']} in {s['shifts']} shifts = {_num(s['per_shift'])}"
        )
    out.append(f"  failed PINs         {a['failed_panel_logins']}")
    return out


def _quality(q: dict[str, Any]) -> list[str]:
    c, al, st = q["commands"], q["alarms"], q["states"]
    refused = ", ".join(f"{k} {v}" for k, v in c["not_applied_by_reason"].items()) or "-"
    trips = ", ".join(f"{k} {v}" for k, v in al["trips_by_cause"].items()) or "-"
    states = ", ".join(f"{k} {_hours(v)}" for k, v in st["seconds"].items())
    return [
        "Quality",
        f"  commands            {c['by_result']}; not applied: {refused}",
        f"  alarms              {al['raised']} raised {al['by_severity']};"
        f" {_num(al['per_hour'], '/h', '.2f')} while on;"
        f" {_num(al['per_operator_hour'], '/operator-h', '.2f')} (EEMUA 191: ~6/h manageable)",
        f"  standing at end     {al['standing_at_end']} {' '.join(al['standing'])}",
        f"  time to ack         median {_num(al['ack_median_s'], ' s')},"
        f" p90 {_num(al['ack_p90_s'], ' s')} over {al['acked']} acks",
        f"  trips by cause      {trips}",
        f"  time in state       {states}",
        f"  availability        {_pct(st['availability'])} (running / planned: all but off, idle,"
        " disabled)",
    ]


def _latency(lat: dict[str, Any]) -> list[str]:
    h = lat["historian"]
    out = [
        "Latency and freshness",
        f"  history             {h['samples']} samples every {_num(h['period_s'], ' s', 'g')};"
        f" {h['gaps']} gaps while on, {_num(h['missing_s'], ' s')} missing",
    ]
    for key, v in lat.get("process", {}).items():
        quantiles = " ".join(f"{q} {_ms(v[q])}" for q in ("p50", "p95", "p99"))
        out.append(f"  {key:<19} n={v['count']} {quantiles}")
    return out


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.1f} ms"
