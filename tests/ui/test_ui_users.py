"""Touch users: hashed PINs, no default user, clear refusals (no display needed)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.ui.cli import add_subcommands  # noqa: F401  (the CLI module imports without Kivy)
from app.ui.users import JsonUserStore, UserError, add_user


def test_no_default_user_and_pins_are_hashed(tmp_path: Path) -> None:
    store = JsonUserStore(tmp_path)
    assert store.names() == []
    assert store.verify("admin", "0000") is None
    add_user(tmp_path, "ada", "admin", "0135")
    text = (tmp_path / "users.json").read_text()
    assert "0135" not in text and json.loads(text)["users"][0]["salt"]
    assert stat.S_IMODE((tmp_path / "users.json").stat().st_mode) == 0o600
    assert store.verify("ada", "0135") == "admin"
    assert store.verify("ada", "135") is None  # leading zeros matter
    assert store.verify("ada", "9999") is None
    assert store.verify("nobody", "0135") is None


def test_same_pin_different_hash(tmp_path: Path) -> None:
    add_user(tmp_path, "a", "operator", "1234")
    add_user(tmp_path, "b", "operator", "1234")
    users = json.loads((tmp_path / "users.json").read_text())["users"]
    assert users[0]["pin_hash"] != users[1]["pin_hash"]


@pytest.mark.parametrize(
    ("name", "role", "pin", "words"),
    [
        ("x", "operator", "12", "4 to 8 digits"),
        ("x", "operator", "12ab", "4 to 8 digits"),
        ("x", "root", "1234", "role must be"),
        ("", "operator", "1234", "a name is"),
    ],
)
def test_bad_input_is_refused_in_words(
    tmp_path: Path, name: str, role: str, pin: str, words: str
) -> None:
    with pytest.raises(UserError, match=words):
        add_user(tmp_path, name, role, pin)


def test_last_admin_stays_and_changes_persist(tmp_path: Path) -> None:
    store = JsonUserStore(tmp_path)
    store.add("ada", "admin", "0135")
    store.add("olga", "operator", "1234")
    with pytest.raises(UserError, match="already exists"):
        store.add("olga", "operator", "5678")
    with pytest.raises(UserError, match="last admin"):
        store.remove("ada")
    with pytest.raises(UserError, match="last admin"):
        store.set_role("ada", "operator")
    store.set_role("olga", "engineer")
    store.set_pin("olga", "8642")
    fresh = JsonUserStore(tmp_path)
    assert fresh.verify("olga", "8642") == "engineer" and fresh.verify("olga", "1234") is None
    store.remove("olga")
    assert fresh.names() == [("ada", "admin")]
