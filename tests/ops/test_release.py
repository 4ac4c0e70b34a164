"""Release manifests catch altered or foreign artifacts; the kiosk ships fonts, needs no kivymd."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from app.ops.release import ReleaseError, host_platform, verify, write_manifest


def release(tmp_path: Path, target: str | None = None) -> Path:
    folder = tmp_path / "tvemicro-1"
    (folder / "wheelhouse").mkdir(parents=True)
    (folder / "wheelhouse" / "a.whl").write_bytes(b"wheel")
    (folder / "requirements.lock").write_text("a==1\n")
    write_manifest(folder, "1", "0.1.0", target or host_platform())
    return folder


def test_an_intact_release_verifies(tmp_path: Path) -> None:
    assert verify(release(tmp_path))["id"] == "1"


def test_an_altered_file_is_refused(tmp_path: Path) -> None:
    folder = release(tmp_path)
    (folder / "wheelhouse" / "a.whl").write_bytes(b"evil")
    with pytest.raises(ReleaseError, match=r"checksum mismatch: wheelhouse/a\.whl"):
        verify(folder)


def test_an_added_or_missing_file_is_refused(tmp_path: Path) -> None:
    folder = release(tmp_path)
    (folder / "wheelhouse" / "b.whl").write_bytes(b"extra")
    with pytest.raises(ReleaseError, match="differ"):
        verify(folder)


def test_an_artifact_for_another_machine_is_refused(tmp_path: Path) -> None:
    folder = release(tmp_path, "linux-riscv64-cp311")
    with pytest.raises(ReleaseError, match="linux-riscv64-cp311"):
        verify(folder)
    assert json.loads((folder / "manifest.json").read_text())["version"] == "0.1.0"


BLOCKED = """
import pkgutil, sys
import app.ui
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('kivymd', 'materialyoucolor', 'materialshapes', 'cairo', 'PIL',
                                  'asynckivy', 'asyncgui'):
            raise ImportError('not in the kiosk wheelhouse: ' + name)
sys.meta_path.insert(0, Block())
for module in pkgutil.iter_modules(app.ui.__path__, 'app.ui.'):
    __import__(module.name)
print('ok')
"""


def test_the_kiosk_ui_imports_without_kivymd_or_pillow() -> None:
    """The release's wheelhouse holds neither (requirements-pi.lock): every UI module must import
    without them, even where this venv still has them installed."""
    if importlib.util.find_spec("kivy") is None:  # find, not import: importing kivy here
        pytest.skip("kivy is not installed")  # would bind this process's Kivy config early
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "PYTHONPATH": os.getcwd()}
    env["KIVY_LOG_MODE"] = "PYTHON"  # Kivy leaves sys.stderr alone: the traceback stays visible
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")


def test_the_locks_and_the_ui_extra_name_no_kivymd() -> None:
    root = Path(__file__).resolve().parents[2]
    for name in ("pyproject.toml", "requirements.lock", "requirements-pi.lock"):
        text = (root / name).read_text().lower()
        assert "kivymd" not in text and "pillow" not in text, name


def test_the_wheel_ships_every_font_with_its_licences() -> None:
    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    shipped = project["tool"]["setuptools"]["data-files"]["share/tvemicro/fonts"]
    fonts = sorted(p.name for p in (root / "assets" / "fonts").iterdir())
    assert all(any(fnmatch(f"assets/fonts/{f}", glob) for glob in shipped) for f in fonts)
    assert {"LICENSE-Apache-2.0.txt", "LICENSE-MaterialDesignIcons.txt"} <= set(fonts)
    assert any(f.endswith(".ttf") for f in fonts)
