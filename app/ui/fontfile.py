"""Read a TrueType font's character map and glyph names (cmap, post) with struct, no fontTools."""

from __future__ import annotations

import struct
from pathlib import Path

# The standard Macintosh glyph order: post format 2 refers to these by index below 258.
# Only .notdef matters to us (icon fonts name every other glyph themselves).
_MAC_STANDARD = 258


class FontError(ValueError):
    """The file is not a TrueType font this reader understands."""


def _tables(data: bytes) -> dict[str, tuple[int, int]]:
    if len(data) < 12 or data[:4] not in (b"\x00\x01\x00\x00", b"true"):
        raise FontError("not a TrueType font")
    count = struct.unpack_from(">H", data, 4)[0]
    tables = {}
    for i in range(count):
        tag, _sum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag.decode("latin-1")] = (offset, length)
    return tables


def _cmap_format12(data: bytes, at: int) -> dict[int, int]:
    groups = struct.unpack_from(">I", data, at + 12)[0]
    out: dict[int, int] = {}
    for g in range(groups):
        first, last, glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
        for code in range(first, last + 1):
            out[code] = glyph + code - first
    return out


def _cmap_format4(data: bytes, at: int) -> dict[int, int]:
    segs = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segs}H", data, at + 14)
    starts = struct.unpack_from(f">{segs}H", data, at + 16 + 2 * segs)
    deltas = struct.unpack_from(f">{segs}h", data, at + 16 + 4 * segs)
    range_at = at + 16 + 6 * segs
    offsets = struct.unpack_from(f">{segs}H", data, range_at)
    out: dict[int, int] = {}
    for s in range(segs):
        for code in range(starts[s], ends[s] + 1):
            if code == 0xFFFF:
                continue
            if offsets[s] == 0:
                glyph = (code + deltas[s]) & 0xFFFF
            else:
                where = range_at + 2 * s + offsets[s] + 2 * (code - starts[s])
                glyph = struct.unpack_from(">H", data, where)[0]
                glyph = (glyph + deltas[s]) & 0xFFFF if glyph else 0
            if glyph:
                out[code] = glyph
    return out


def char_map(data: bytes) -> dict[int, int]:
    """Unicode code point → glyph index, from the font's Unicode cmap (format 12, else 4)."""
    offset, _ = _tables(data)["cmap"]
    count = struct.unpack_from(">H", data, offset + 2)[0]
    found: dict[int, int] = {}
    for i in range(count):
        platform, encoding, sub = struct.unpack_from(">HHI", data, offset + 4 + 8 * i)
        if (platform, encoding) not in ((3, 10), (3, 1), (0, 3), (0, 4)):
            continue
        fmt = struct.unpack_from(">H", data, offset + sub)[0]
        if fmt == 12:
            return _cmap_format12(data, offset + sub)
        if fmt == 4 and not found:
            found = _cmap_format4(data, offset + sub)
    if not found:
        raise FontError("the font has no Unicode character map")
    return found


def glyph_names(data: bytes) -> list[str]:
    """Glyph index → name, from a format 2 post table (names below 258 are left empty)."""
    offset, length = _tables(data)["post"]
    if struct.unpack_from(">I", data, offset)[0] != 0x00020000:
        raise FontError("the font's post table carries no glyph names")
    count = struct.unpack_from(">H", data, offset + 32)[0]
    indices = struct.unpack_from(f">{count}H", data, offset + 34)
    pascal, at, end = [], offset + 34 + 2 * count, offset + length
    while at < end:
        size = data[at]
        pascal.append(data[at + 1 : at + 1 + size].decode("latin-1"))
        at += 1 + size
    return [pascal[i - _MAC_STANDARD] if i >= _MAC_STANDARD else "" for i in indices]


def named_code_points(path: Path) -> dict[str, int]:
    """Glyph name → code point for every named glyph the font maps a character to."""
    data = path.read_bytes()
    names = glyph_names(data)
    out: dict[str, int] = {}
    for code, glyph in sorted(char_map(data).items()):
        name = names[glyph] if glyph < len(names) else ""
        if name:
            out.setdefault(name, code)
    return out
