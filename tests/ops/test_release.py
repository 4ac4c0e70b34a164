"""Release manifests catch altered or foreign artifacts; the kiosk imports without kivymd extras."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
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
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('materialyoucolor', 'materialshapes', 'cairo'):
            raise ImportError('not in the kiosk wheelhouse: ' + name)
sys.meta_path.insert(0, Block())
import app.ui.app, app.ui.theme, app.ui.widgets
print('ok')
"""


def test_the_kiosk_ui_imports_without_the_kivymd_deps_the_release_leaves_out() -> None:
    if importlib.util.find_spec("kivymd") is None:  # find, not import: importing kivy here
        pytest.skip("kivymd is not installed")  # would bind this process's Kivy config early
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
