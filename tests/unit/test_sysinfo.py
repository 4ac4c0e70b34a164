"""The System screen finds the panel's address locally, from the kernel's route table."""

from __future__ import annotations

from app.ui.sysinfo import default_interface

HEADER = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"


def test_the_default_route_names_the_interface() -> None:
    table = HEADER + "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n"
    table += "wlan0\t00000000\t0100A8C0\t0003\t0\t0\t600\t00000000\n"
    assert default_interface(table) == "wlan0"


def test_no_default_route_means_no_network() -> None:
    table = HEADER + "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n"
    assert default_interface(table) is None
    assert default_interface("") is None
