"""Pi health read from a fake sysfs tree (the layout of a Pi 4 kernel) and from vcgencmd."""

from __future__ import annotations

from pathlib import Path

from app.pihealth import HWMON, THERMAL, THROTTLED, main, parse_throttled, read_health, render


def fake_pi(root: Path, temp_milli: str = "61234", throttled: str = "50005\n") -> Path:
    (root / THERMAL).parent.mkdir(parents=True)
    (root / THERMAL).write_text(temp_milli + "\n")
    (root / THROTTLED).parent.mkdir(parents=True)
    (root / THROTTLED).write_text(throttled)
    volt = root / HWMON / "hwmon1"
    volt.mkdir(parents=True)
    (volt / "name").write_text("rpi_volt\n")
    (volt / "in0_lcrit_alarm").write_text("1\n")
    (root / HWMON / "hwmon0").mkdir()
    (root / HWMON / "hwmon0" / "name").write_text("cpu_thermal\n")
    return root


def no_vcgencmd(_arg: str) -> str | None:
    return None


def test_sysfs_undervoltage_and_throttling_now_and_since_boot(tmp_path: Path) -> None:
    health = read_health(fake_pi(tmp_path), no_vcgencmd)
    assert health.soc_temperature_c == 61.234
    assert health.source == "sysfs"
    assert health.flag("under_voltage") is True and health.flag("throttled") is True
    assert health.flag("arm_freq_capped") is False
    assert health.flag("under_voltage", since_boot=True) is True
    assert health.flag("soft_temp_limit", since_boot=True) is False
    assert health.undervoltage_alarm is True
    text = render(health, 1000.0)
    assert 'tvemicro_pi_throttled{flag="under_voltage"} 1' in text
    assert 'tvemicro_pi_throttled{flag="arm_freq_capped"} 0' in text
    assert 'tvemicro_pi_throttled_since_boot{flag="throttled"} 1' in text
    assert "tvemicro_pi_soc_temperature_celsius 61.234" in text
    assert "tvemicro_pi_undervoltage_alarm 1" in text
    assert "tvemicro_pi_health_read_ok 1" in text


def test_a_pi_that_was_throttled_earlier_but_is_fine_now(tmp_path: Path) -> None:
    health = read_health(fake_pi(tmp_path, throttled="0x50000"), no_vcgencmd)
    assert health.flag("under_voltage") is False
    assert health.flag("under_voltage", since_boot=True) is True


def test_without_the_sysfs_file_vcgencmd_is_asked(tmp_path: Path) -> None:
    answers = {"get_throttled": "throttled=0x80008\n", "measure_temp": "temp=47.2'C\n"}
    health = read_health(tmp_path, answers.get)
    assert health.source == "vcgencmd"
    assert health.flag("soft_temp_limit") is True and health.flag("under_voltage") is False
    assert health.soc_temperature_c == 47.2


def test_a_pc_without_any_source_says_so_instead_of_reporting_a_healthy_pi(tmp_path: Path) -> None:
    health = read_health(tmp_path, no_vcgencmd)
    assert health.throttled_bits is None and health.soc_temperature_c is None
    assert len(health.errors) == 2
    text = render(health, 1.0)
    assert "tvemicro_pi_health_read_ok 0" in text
    assert "tvemicro_pi_throttled{" not in text  # no fake zeros that would read as "fine"


def test_garbage_in_sysfs_is_an_error_not_a_number(tmp_path: Path) -> None:
    health = read_health(fake_pi(tmp_path, temp_milli="n/a", throttled="zz"), no_vcgencmd)
    assert health.soc_temperature_c is None and health.throttled_bits is None
    assert parse_throttled("throttled=0x0") == 0


def test_the_textfile_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "textfile" / "tvemicro_pi.prom"
    assert main(["--root", str(fake_pi(tmp_path / "root")), "--out", str(out)]) == 0
    text = out.read_text()
    assert text.endswith("\n") and "tvemicro_pi_throttled" in text
    assert [p.name for p in out.parent.iterdir()] == ["tvemicro_pi.prom"]  # no temp file left
