"""Backlight dimming on a fake /sys/class/backlight as strict as the kernel: dim while blanked,
put back what was there on wake, and fall back to the overlay (saying so once) when it cannot."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from app.services.backlight import IdleDimmer
from hw.drivers.backlight import SysfsBacklight, SysfsBacklightFiles, find_backlight
from hw.sim.backlight import FakeBacklightSysfs
from tests.logcapture import capture_log


@pytest.fixture
def sysfs(tmp_path: Path) -> FakeBacklightSysfs:
    return FakeBacklightSysfs(tmp_path)


def light(
    sysfs: FakeBacklightSysfs, max_brightness: int = 255, brightness: int = 200
) -> SysfsBacklight:
    sysfs.add("10-0045", max_brightness, brightness)
    found = find_backlight(sysfs.root, sysfs)
    assert found is not None
    return found


def test_dims_to_the_percent_and_puts_back_what_it_found(sysfs: FakeBacklightSysfs) -> None:
    dimmer = IdleDimmer(light(sysfs, 255, 180), 10)
    assert dimmer.dim()
    assert sysfs.value("10-0045", "brightness") == 26  # 10 % of 255
    assert sysfs.value("10-0045", "actual_brightness") == 26
    assert dimmer.dim()  # already dim: no second write, the saved level stays 180
    dimmer.wake()
    assert sysfs.value("10-0045", "brightness") == 180
    assert [w[2] for w in sysfs.writes] == [26, 180]
    dimmer.wake()  # a second wake (exit after wake) writes nothing
    assert len(sysfs.writes) == 2


def test_a_panel_already_darker_than_the_dim_level_is_not_brightened(
    sysfs: FakeBacklightSysfs,
) -> None:
    dimmer = IdleDimmer(light(sysfs, 100, 5), 30)
    assert dimmer.dim()
    assert sysfs.value("10-0045", "brightness") == 5
    dimmer.wake()
    assert sysfs.value("10-0045", "brightness") == 5


def test_wake_puts_back_bl_power_changed_while_dim(sysfs: FakeBacklightSysfs) -> None:
    backlight = light(sysfs)
    dimmer = IdleDimmer(backlight, 20)
    dimmer.dim()
    backlight.set_power(4)  # something else powered the panel down meanwhile
    dimmer.wake()
    assert sysfs.value("10-0045", "bl_power") == 0
    assert sysfs.value("10-0045", "brightness") == 200


def test_zero_percent_leaves_the_backlight_alone(sysfs: FakeBacklightSysfs) -> None:
    dimmer = IdleDimmer(light(sysfs), 0)
    with capture_log() as logs:
        assert not dimmer.dim()
        dimmer.wake()
    assert sysfs.writes == [] and logs.lines == []


def test_no_backlight_blanks_with_the_overlay_and_says_so_once(sysfs: FakeBacklightSysfs) -> None:
    assert find_backlight(sysfs.root, sysfs) is None
    assert find_backlight(sysfs.root / "absent", sysfs) is None
    dimmer = IdleDimmer(None, 10, where=sysfs.root)
    with capture_log() as logs:
        assert not dimmer.dim()
        dimmer.wake()
        assert not dimmer.dim()
    (line,) = logs.events("backlight_not_dimmed")
    assert line["level"] == "warning" and line["path"] == str(sysfs.root)


def test_a_backlight_the_service_may_not_write_falls_back_once(sysfs: FakeBacklightSysfs) -> None:
    backlight = light(sysfs)
    sysfs.without_udev_rule("10-0045")
    dimmer = IdleDimmer(backlight, 10)
    with capture_log() as logs:
        assert not dimmer.dim()
        assert not dimmer.dim()
    (line,) = logs.events("backlight_not_dimmed")
    assert line["path"] == str(sysfs.root / "10-0045" / "brightness")
    assert line["error"] == "Permission denied"
    assert sysfs.value("10-0045", "brightness") == 200 and sysfs.writes == []


def test_a_read_only_sys_falls_back_once(sysfs: FakeBacklightSysfs) -> None:
    dimmer = IdleDimmer(light(sysfs), 10)
    sysfs.read_only_mount = True  # the unit's ProtectKernelTunables without a write path
    with capture_log() as logs:
        assert not dimmer.dim()
    assert logs.events("backlight_not_dimmed")[0]["error"] == "Read-only file system"


def test_a_failed_restore_is_logged_and_not_retried(sysfs: FakeBacklightSysfs) -> None:
    dimmer = IdleDimmer(light(sysfs), 10)
    dimmer.dim()
    sysfs.read_only_mount = True
    with capture_log() as logs:
        dimmer.wake()
        dimmer.wake()
    (line,) = logs.events("backlight_not_restored")
    assert line["level"] == "warning" and line["path"].endswith("10-0045/brightness")


@pytest.mark.parametrize(
    ("attribute", "value", "err"),
    [
        ("brightness", "256\n", errno.EINVAL),  # above max_brightness
        ("brightness", "-1\n", errno.EINVAL),
        ("brightness", "half\n", errno.EINVAL),
        ("bl_power", "5\n", errno.EINVAL),
        ("max_brightness", "10\n", errno.EACCES),
        ("actual_brightness", "10\n", errno.EACCES),
        ("scale", "1\n", errno.ENOENT),
    ],
)
def test_the_fake_refuses_what_the_kernel_refuses(
    sysfs: FakeBacklightSysfs, attribute: str, value: str, err: int
) -> None:
    light(sysfs)
    with pytest.raises(OSError) as info:
        sysfs.write(sysfs.root / "10-0045" / attribute, value)
    assert info.value.errno == err
    assert sysfs.value("10-0045", "brightness") == 200 and sysfs.writes == []


def test_the_driver_never_writes_what_the_kernel_would_refuse(sysfs: FakeBacklightSysfs) -> None:
    backlight = light(sysfs, 31, 31)
    with pytest.raises(OSError) as info:
        backlight.set_brightness(32)
    assert info.value.errno == errno.EINVAL
    assert IdleDimmer(backlight, 100).dim()  # 100 % of 31 is 31, a level the kernel takes
    assert sysfs.value("10-0045", "brightness") == 31


def test_the_first_complete_backlight_by_name_is_used(sysfs: FakeBacklightSysfs) -> None:
    sysfs.add("rpi_backlight", 255, 255)
    sysfs.add("10-0045", 31, 31, bl_power=False)
    (sysfs.root / "broken").mkdir()
    found = find_backlight(sysfs.root, sysfs)
    assert found is not None and found.path.name == "10-0045"
    assert found.power() is None and found.max_brightness() == 31


def test_the_real_files_never_create_an_attribute(tmp_path: Path) -> None:
    files = SysfsBacklightFiles()
    with pytest.raises(FileNotFoundError):
        files.write(tmp_path / "brightness", "1\n")
    (tmp_path / "brightness").write_text("0\n")
    files.write(tmp_path / "brightness", "7\n")
    assert files.read(tmp_path / "brightness") == "7\n"


def test_only_the_machine_dims_its_panel_not_the_simulator() -> None:
    """`tvemicro run --sim` draws on a desktop's screen: its backlight is not the kiosk's."""
    from app.run_cmd import _backlight
    from machine_config.config import parse_config
    from tests.support import raw_config

    data = raw_config()
    data["ui"]["dim_percent"] = 10
    cfg = parse_config(data)
    assert not _backlight(cfg, "sim", None).usable
    on_machine = _backlight(cfg, "hw", None)
    assert on_machine.usable and on_machine.percent == 10


def test_a_process_killed_while_dim_is_undone_at_the_next_start(
    sysfs: FakeBacklightSysfs, tmp_path: Path
) -> None:
    """SIGKILL or the watchdog skips every `finally`: the level before dimming waits in the
    runtime directory, and the next kiosk puts it back before it saves anything itself."""
    memo = tmp_path / "run" / "backlight-before-dim"
    memo.parent.mkdir()
    killed = IdleDimmer(light(sysfs, 255, 180), 10, memo=memo)
    killed.dim()
    assert sysfs.value("10-0045", "brightness") == 26 and memo.exists()
    found = find_backlight(sysfs.root, sysfs)
    with capture_log() as logs:
        IdleDimmer(found, 10, memo=memo).recover()
    assert sysfs.value("10-0045", "brightness") == 180 and not memo.exists()
    assert logs.events("backlight_restored")[0]["brightness"] == 180
    IdleDimmer(found, 10, memo=memo).recover()  # nothing left to do
    assert [w[2] for w in sysfs.writes] == [26, 180]


def test_a_clean_wake_leaves_nothing_to_recover(sysfs: FakeBacklightSysfs, tmp_path: Path) -> None:
    memo = tmp_path / "backlight-before-dim"
    dimmer = IdleDimmer(light(sysfs), 10, memo=memo)
    dimmer.dim()
    dimmer.wake()
    assert not memo.exists()
    memo.write_text("not a number\n")
    with capture_log() as logs:
        IdleDimmer(find_backlight(sysfs.root, sysfs), 10, memo=memo).recover()
    assert logs.events("backlight_not_restored") and not memo.exists()
    assert sysfs.value("10-0045", "brightness") == 200


def test_the_level_to_put_back_is_not_backed_up(tmp_path: Path) -> None:
    """It belongs to this panel now; restored onto another Pi it would set a stranger's level."""
    from app.ops.backup import data_files
    from app.services.backlight import BACKLIGHT_MEMO

    (tmp_path / "ui.json").write_text("{}")
    (tmp_path / BACKLIGHT_MEMO).write_text("180\n")
    assert [p.name for p in data_files(tmp_path)] == ["ui.json"]
