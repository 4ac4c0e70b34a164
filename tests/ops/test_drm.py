"""The DRM card picker on a fake sysfs tree, as a Pi 5 lays it out (indexes move between boots)."""

from __future__ import annotations

from pathlib import Path

from app.ops.drm import main, pick_card


def fake_sysfs(root: Path, connectors: dict[str, str]) -> Path:
    drm = root / "class" / "drm"
    drm.mkdir(parents=True)
    (drm / "card0").mkdir()  # the card itself has no status; render nodes neither
    (drm / "renderD128").mkdir()
    (drm / "version").write_text("drm 1.1.0\n")
    for name, status in connectors.items():
        (drm / name).mkdir()
        (drm / name / "status").write_text(status + "\n")
    return root


def test_picks_the_card_whose_connector_is_connected(tmp_path: Path) -> None:
    # Pi 5: card0 is v3d (no connectors), card1 is the display controller
    sysfs = fake_sysfs(
        tmp_path,
        {
            "card1-HDMI-A-1": "disconnected",
            "card1-HDMI-A-2": "disconnected",
            "card2-DSI-1": "connected",
        },
    )
    assert pick_card(sysfs) == (2, "DSI-1")


def test_index_is_read_not_sorted_as_text(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path, {"card10-HDMI-A-1": "connected", "card9-HDMI-A-1": "connected"})
    assert pick_card(sysfs) == (9, "HDMI-A-1")


def test_no_display_writes_an_empty_env_file(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path / "sys", {"card1-HDMI-A-1": "disconnected"})
    out = tmp_path / "run" / "drm.env"
    assert main(["--sysfs", str(sysfs), "--env-file", str(out)]) == 0
    assert out.read_text() == ""


def test_env_file_names_the_card_for_sdl(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path / "sys", {"card1-HDMI-A-1": "connected"})
    out = tmp_path / "drm.env"
    out.write_text("SDL_KMSDRM_DEVICE_INDEX=0\n")  # a stale choice from the previous boot
    assert main(["--sysfs", str(sysfs), "--env-file", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert "SDL_KMSDRM_DEVICE_INDEX=1" in lines
    assert "TVEMICRO_DRM_CARD=/dev/dri/card1" in lines
