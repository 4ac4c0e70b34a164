"""System screen: the admin hands the machine to the legacy panel and back; language switch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ui.test_ui_session import login

pytestmark = pytest.mark.ui


def test_hmi_switch_disabled_screen_and_back(kiosk: Any, fresh: None) -> None:
    app, core = kiosk.app, kiosk.core
    kiosk.resize(1024, 600)
    login(kiosk, "ada")
    system = kiosk.show("system")
    kiosk.until(lambda: system.checks, what="health checks")
    assert any(name == app.t.check_control_loop for name, _, _ in system.checks)
    assert system.facts[0][1].startswith("tvemicro ")
    kiosk.tap(system.ids.hmi_off)
    kiosk.until(lambda: not core.snapshot.hmi_enabled, what="hmi disabled in the core")
    kiosk.until(lambda: app.root.ids.sm.current == "disabled", what="disabled screen")
    disabled = kiosk.screen("disabled")
    kiosk.refresh()
    assert core.snapshot.state == "disabled" and app.root.nav_button("heaters").block
    assert any(name == "Barrel" for name, _ in disabled.values)
    kiosk.shot("disabled")
    kiosk.tap(disabled.ids.enable)
    kiosk.until(lambda: core.snapshot.hmi_enabled, what="hmi enabled again")
    kiosk.until(lambda: app.root.ids.sm.current == "overview", what="back to overview")


def test_operator_cannot_switch_hmi(kiosk: Any, fresh: None) -> None:
    login(kiosk, "olga")
    system = kiosk.show("system")
    kiosk.tap(system.ids.hmi_off)
    assert kiosk.core.snapshot.hmi_enabled and "admin" in kiosk.app.root.toast_text


def test_language_switch_is_applied_and_kept(kiosk: Any, fresh: None) -> None:
    app = kiosk.app
    system = kiosk.show("system")
    kiosk.tap(kiosk.button(system, "Deutsch"))
    assert app.t.language == "de"
    nav = [b.caption for b in app.root.ids.nav.children]
    assert "Übersicht" in nav and "Alarme" in nav
    overview = kiosk.show("overview")
    assert overview.ids.preheat.caption == "VORHEIZEN"
    prefs = kiosk.machine.data_dir / "ui.json"
    kiosk.until(lambda: prefs.exists() and json.loads(prefs.read_text())["language"] == "de")
    kiosk.shot("overview_de")
    app.set_language("en")
    kiosk.frames(2)
    assert overview.ids.preheat.caption == "PREHEAT"


def test_admin_changes_a_role_and_a_pin(kiosk: Any, fresh: None) -> None:
    app, store = kiosk.app, kiosk.app.services.users
    login(kiosk, "ada")
    system = kiosk.show("system")
    kiosk.until(lambda: any(u["name"] == "olga" for u in system.users), what="users")
    system.user_action("olga", "role")  # operator -> engineer (the row's Role button)
    kiosk.until(lambda: dict(store.names())["olga"] == "engineer", what="role changed")
    for role in ("admin", "operator"):  # and round again, one tap at a time
        stored = dict(store.names())["olga"]
        kiosk.until(lambda s=stored: system.admin.roles.get("olga") == s, what="list reloaded")
        system.user_action("olga", "role")
        kiosk.until(lambda r=role: dict(store.names())["olga"] == r, what=f"role {role}")
    system.user_action("olga", "pin")
    pad = kiosk.until_value(kiosk.keypad, what="PIN pad")
    kiosk.type_keys(pad, "0042")
    assert pad.ids.display.text == "••••"  # a PIN is never shown
    kiosk.tap(pad.ids.ok)
    again = kiosk.until_value(lambda: (p := kiosk.keypad()) is not pad and p, what="2nd pad")
    assert again.title == app.t.f("repeat_pin", who="olga")
    kiosk.type_keys(again, "0042")
    kiosk.tap(again.ids.ok)
    kiosk.until(lambda: kiosk.keypad() is None, what="PIN saved")
    assert store.verify("olga", "0042") == "operator"
    assert app.root.toast_text == app.t.f("pin_set", who="olga")
    store.set_pin("olga", "1234")  # as the other tests expect
    changes = audit_rows(kiosk, "UserSetRole")
    assert [(r["old"], r["new"]) for r in reversed(changes[:3])] == [
        ("operator", "engineer"), ("engineer", "admin"), ("admin", "operator")
    ]  # fmt: skip
    pin = audit_rows(kiosk, "UserSetPin")[0]
    assert pin["who"] == "ada" and pin["source"] == "touch" and pin["result"] == "applied"
    assert "0042" not in str(pin)


def audit_rows(kiosk: Any, action: str) -> list[dict[str, Any]]:
    """Audit events of one action from the SQLite historian, newest first."""
    from app.storage.query import read_events

    assert kiosk.storage.historian.flush(5.0)
    rows = read_events(kiosk.storage.db_path, ["audit"], limit=200)
    return [r for r in rows if r.get("action") == action]


def new_user_sheet() -> Any:
    from kivy.core.window import Window

    from app.ui.new_user import NewUserSheet

    return next((w for w in Window.children if isinstance(w, NewUserSheet)), None)


def type_name(kiosk: Any, sheet: Any, name: str) -> None:
    """Type on the sheet's own keyboard, key by key, as a gloved finger does."""
    for ch in name:
        if ch.isdigit() != (sheet.page == "123"):
            kiosk.tap(sheet.ids.page)
        kiosk.tap(kiosk.button(sheet, ch.upper()), frames=1)


def enter_pin(kiosk: Any, pin: str, again: str, first: Any) -> Any:
    """Type the PIN on `first` and the repeat on the second pad; returns the pad open then."""
    kiosk.type_keys(first, pin)
    kiosk.tap(first.ids.ok)
    second = kiosk.until_value(lambda: (p := kiosk.keypad()) is not first and p, what="repeat")
    kiosk.type_keys(second, again)
    kiosk.tap(second.ids.ok)
    kiosk.frames(3)
    return kiosk.keypad()


def test_admin_adds_a_user_who_can_then_log_in(kiosk: Any, fresh: None) -> None:
    from kivy.core.window import Window
    from kivy.uix.textinput import TextInput
    from kivy.uix.vkeyboard import VKeyboard

    app, store = kiosk.app, kiosk.app.services.users
    kiosk.resize(800, 480)
    login(kiosk, "ada")
    system = kiosk.show("system")
    kiosk.tap(system.ids.add_user)
    sheet = kiosk.until_value(new_user_sheet, what="new-user sheet with its keyboard")
    kiosk.frames(2)
    assert sheet.top <= app.root.ids.header.y + 1  # STOP and E-STOP stay uncovered
    # its own keys, no TextInput: a TextInput's clipboard logged Kivy CRITICAL "Cutbuffer"
    assert not [w for w in sheet.walk() if isinstance(w, TextInput)]
    assert not [w for w in Window.children if isinstance(w, VKeyboard)]
    kiosk.tap(sheet.ids.next)  # no name yet: refused in words, nothing stored
    assert sheet.error and sheet.step == "name"
    type_name(kiosk, sheet, "olga")
    assert sheet.entry == "Olga"
    kiosk.tap(sheet.ids.next)  # taken (whatever the case): said on the sheet, nothing stored
    assert sheet.error == app.t.f("user_exists", who="olga") and sheet.step == "name"
    kiosk.shot("system_add_user_name")
    for _ in "Olga":
        kiosk.tap(sheet.ids.back, frames=1)
    type_name(kiosk, sheet, "nina")
    kiosk.tap(sheet.ids.next)
    assert sheet.step == "role" and sheet.role == "operator" and sheet.entry == "Nina"
    kiosk.tap(kiosk.button(sheet, app.t.role_engineer))
    assert sheet.role == "engineer"
    kiosk.shot("system_add_user_role")
    kiosk.tap(sheet.ids.next)

    pad = kiosk.until_value(kiosk.keypad, what="PIN pad for the new user")
    kiosk.type_keys(pad, "12")  # too short: said on the pad, which stays open
    kiosk.tap(pad.ids.ok)
    assert pad.error == app.t.pin_rules and kiosk.keypad() is pad
    kiosk.tap(kiosk.button(pad, app.t.clear))
    pad = enter_pin(kiosk, "7531", "7532", pad)  # the repeat differs: start over, nothing saved
    assert pad.error == app.t.pin_mismatch and pad.ids.message.text == app.t.pin_mismatch
    assert pad.title == app.t.f("new_pin", who="Nina") and "Nina" not in dict(store.names())
    kiosk.shot("system_pin_mismatch")
    enter_pin(kiosk, "7531", "7531", pad)
    kiosk.until(lambda: kiosk.keypad() is None, what="user created")
    assert dict(store.names())["Nina"] == "engineer"
    kiosk.until(lambda: any(u["name"] == "Nina" for u in system.users), what="list reloaded")
    added = audit_rows(kiosk, "UserAdd")
    assert added[0]["result"] == "applied" and added[0]["new"] == "engineer"
    assert "7531" not in str(added)

    app.session.logout("manual")
    kiosk.tap(app.root.ids.user_button)
    screen = kiosk.screen("login")
    kiosk.until(lambda: any(u["name"] == "Nina" for u in screen.users), what="nina listed")
    kiosk.frames(2)
    kiosk.tap(kiosk.button(screen, "Nina"))
    kiosk.type_keys(screen.ids.pad, "7531")
    kiosk.tap(screen.ids.login_button)
    kiosk.until(lambda: app.user == "Nina" and app.role == "engineer", what="nina logged in")
    store.remove("Nina")
