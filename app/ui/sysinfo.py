"""Health checks and network facts for the System screen (blocking: run off the UI thread)."""

from __future__ import annotations

import fcntl
import json
import socket
import struct
import urllib.error
import urllib.request
from typing import Any

SIOCGIFADDR = 0x8915  # Linux ioctl: an interface's IPv4 address


def default_interface(route_table: str) -> str | None:
    """The interface of the default route in a /proc/net/route table, or None."""
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[1] == "00000000" and int(fields[3], 16) & 0x2:
            return fields[0]
    return None


def primary_address() -> str | None:
    """This device's IPv4 address on the default route, read locally (nothing is sent)."""
    try:
        with open("/proc/net/route", encoding="ascii") as fh:
            iface = default_interface(fh.read())
    except OSError:
        return None
    if iface is None:
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(
                sock.fileno(), SIOCGIFADDR, struct.pack("256s", iface[:15].encode())
            )
        except OSError:
            return None
    return f"{socket.inet_ntoa(packed[20:24])} ({iface})"


def rest_probe(url: str | None) -> tuple[bool, str]:
    """(reachable, why) for the REST side server's /health; when it is not reachable, `why` is
    one word the panel translates: refused, timeout or error."""
    if not url:
        return False, "disabled"
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=1.0) as resp:
            body = json.loads(resp.read() or b"{}")
            return True, str(body.get("status", "ok"))
    except urllib.error.HTTPError as err:  # 503 still means the server answers
        return True, f"HTTP {err.code}"
    except (OSError, ValueError) as err:
        return False, _why(err)


def _why(err: BaseException) -> str:
    reason = getattr(err, "reason", err)  # URLError wraps the socket's error
    if isinstance(reason, ConnectionRefusedError):
        return "refused"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timeout"
    return "error"


def collect(machine: Any, cfg: Any, storage: Any | None, rest_url: str | None) -> dict[str, Any]:
    """Everything the System screen shows, gathered in one worker call."""
    from app.services.health import health_report

    report = health_report(machine, cfg, storage)
    reachable, rest_words = rest_probe(rest_url)
    return {
        "checks": {name: check for name, check in report["checks"].items()},
        "status": report["status"],
        "address": primary_address(),
        "rest_ok": reachable,
        "rest_words": rest_words,
    }
