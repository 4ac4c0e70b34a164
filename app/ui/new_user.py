"""Add user on the panel: the name on a glove-sized letter keyboard, then the role, then the PIN
twice on the keypad. A sheet below the header, so STOP and E-STOP stay one tap away."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from app.ui import words
from app.ui.sheet import Sheet
from app.ui.users import ROLES, UserError, check_new

COLS = 9  # 9 keys of 15 mm and 8 gaps of 2 mm fill the 7" panel's 154 mm
PAGES = {
    "abc": [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "space"],
    "123": [*"1234567890", ".", "-"],
}
MAX_NAME = 32


class NewUserSheet(Sheet):
    """Step 'name' (letters, or digits on the second page) then step 'role'; Next on the role
    step asks for the PIN twice (UserAdmin.ask_pin), which creates the user."""

    step = StringProperty("name")
    page = StringProperty("abc")
    entry = StringProperty("")
    role = StringProperty("operator")
    error = StringProperty("")

    def __init__(self, admin: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.admin = admin
        self.bind(step=self._build, page=self._build, role=self._build)
        self._build()

    def _build(self, *_: Any) -> None:
        rows = self.ids.key_rows
        rows.clear_widgets()
        if self.step == "role":
            row = Factory.KeyRow()
            for role in ROLES:
                row.add_widget(self._key(role, self.admin.app.t.get("role_" + role)))
            rows.add_widget(row)
            rows.add_widget(Factory.Widget())  # the role keys are one row high, like the others
            rows.add_widget(Factory.Widget())
            return
        keys = PAGES[self.page]
        for start in range(0, COLS * 3, COLS):
            row = Factory.KeyRow()
            for key in keys[start : start + COLS]:
                row.add_widget(self._key(key, self.admin.app.t.space if key == "space" else key))
            for _gap in range(COLS - len(keys[start : start + COLS])):
                row.add_widget(Factory.Widget())
            rows.add_widget(row)

    def _key(self, key: str, caption: str) -> Any:
        button = Factory.LetterKey(caption=caption)
        button.key = key
        if self.step == "role":
            button.selected = key == self.role
        button.bind(on_act=lambda b: self.press(b.key))
        return button

    def press(self, key: str) -> None:
        """A key of the keyboard (a letter, digit, '.', '-', 'space') or a role."""
        self.error = ""
        if self.step == "role":
            self.role = key
        elif len(self.entry) >= MAX_NAME:
            return
        elif key == "space":
            if self.entry and not self.entry.endswith(" "):
                self.entry += " "
        else:  # a name starts each word with a capital: "Nina K", never "NINA K"
            word_start = not self.entry or self.entry.endswith(" ")
            self.entry += key.upper() if word_start else key.lower()

    def back(self) -> None:
        """⌫ on the name step; back to the name on the role step."""
        self.error = ""
        if self.step == "role":
            self.step = "name"
        else:
            self.entry = self.entry[:-1]

    def flip(self) -> None:
        self.page = "123" if self.page == "abc" else "abc"

    def next(self) -> None:
        """Name → role → PIN; a bad or taken name is said here and nothing is stored."""
        name = self.entry.strip()
        taken = {n.casefold(): n for n in self.admin.roles}  # "Olga" would pass for "olga"
        try:
            check_new(name, self.role, self.admin.roles)
            if name.casefold() in taken:
                raise UserError(f"user '{taken[name.casefold()]}' already exists")
        except UserError as err:
            self.error = words.user_error(err, self.admin.app.t)
            return
        if self.step == "name":
            self.step = "role"
            return
        store = self.admin.app.services.users
        role = self.role
        self.dismiss()
        save = lambda pin: store.add(name, role, pin)  # noqa: E731
        self.admin.ask_pin(name, save, "UserAdd", "added", new=role)
