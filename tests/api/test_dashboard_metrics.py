"""Dashboards break silently: every series a panel or a rule reads must be one the product exports
(the process's /metrics, the Pi health textfile) or a recording rule defines."""

from __future__ import annotations

import json
import re

import yaml

from app.pihealth import PiHealth, render
from tests.api.conftest import Api
from tests.support import ROOT

MONITORING = ROOT / "packaging" / "monitoring"
NAME = re.compile(r"\b(tvemicro[_:][a-z0-9_:]*)")
PROMETHEUS_OWN = {"up"}


def exported(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
            if kind == "counter":
                names.add(f"{name}_total" if not name.endswith("_total") else name)
    return names


def rules() -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((MONITORING / "rules/tvemicro.rules.yml").read_text())
    return data


def recorded() -> set[str]:
    return {r["record"] for g in rules()["groups"] for r in g["rules"] if "record" in r}  # type: ignore[attr-defined]


def dashboard_exprs() -> list[str]:
    data = json.loads((MONITORING / "dashboard/tvemicro.json").read_text())
    return [t["expr"] for p in data["panels"] for t in p.get("targets", []) if t.get("expr")]


async def known_names(api: Api) -> set[str]:
    text = await (await api.client.get("/metrics")).text()
    pi = render(PiHealth(soc_temperature_c=50.0, throttled_bits=0, undervoltage_alarm=False), 1.0)
    return exported(text) | exported(pi) | recorded()


async def test_every_dashboard_panel_reads_series_that_exist(api: Api) -> None:
    known = await known_names(api)
    exprs = dashboard_exprs()
    assert len(exprs) >= 12
    missing = {name for e in exprs for name in NAME.findall(e)} - known
    assert not missing, f"dashboard reads series nobody exports: {missing}"


async def test_every_rule_reads_series_that_exist(api: Api) -> None:
    known = await known_names(api)
    exprs = [str(r["expr"]) for g in rules()["groups"] for r in g["rules"]]  # type: ignore[attr-defined]
    missing = {name for e in exprs for name in NAME.findall(e)} - known
    assert not missing, f"rules read series nobody exports: {missing}"
