"""`tvemicro user …`: touch-panel users and PINs (stored hashed; there is no default user)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from app.ui.users import ROLES, JsonUserStore, UserError, add_user
from control.errors import StorageUnavailable


def add_subcommands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("user", help="touch-panel users and PINs (add the first admin here)")
    usub = p.add_subparsers(dest="user_cmd", required=True)
    add = usub.add_parser("add", help="add a user; the PIN is asked twice unless --pin is given")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="operator")
    add.add_argument("--pin", help="4-8 digits (avoid: it lands in shell history)")
    passwd = usub.add_parser("passwd", help="set a new PIN")
    passwd.add_argument("name")
    passwd.add_argument("--pin")
    remove = usub.add_parser("remove", help="remove a user (not the last admin)")
    remove.add_argument("name")
    usub.add_parser("list", help="list users and roles (never PINs)")
    for parser in (add, passwd, remove, *usub.choices.values()):
        if not any(a.dest == "data_dir" for a in parser._actions):
            parser.add_argument("--data-dir", help="data directory (default: from config)")
            parser.add_argument("--config", default="config.yaml", help="config file")
    p.set_defaults(func=user_command)
    from app.ui.layout_cmd import add_parser

    add_parser(sub)


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir:
        return Path(args.data_dir)
    from machine_config.config import ConfigError, load_config

    try:
        return Path(load_config(args.config).storage.data_dir)
    except (ConfigError, OSError):
        return Path("./data")


def _pin(given: str | None) -> str:
    if given:
        return given
    first = getpass.getpass("PIN (4-8 digits): ")
    if getpass.getpass("PIN again: ") != first:
        raise UserError("the two PINs differ")
    return first


def user_command(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    store = JsonUserStore(data_dir)
    try:
        if args.user_cmd == "add":
            add_user(data_dir, args.name, args.role, _pin(args.pin))
            print(f"added {args.name} ({args.role}) in {store.path}")
        elif args.user_cmd == "passwd":
            store.set_pin(args.name, _pin(args.pin))
            print(f"PIN changed for {args.name}")
        elif args.user_cmd == "remove":
            store.remove(args.name)
            print(f"removed {args.name}")
        else:
            for name, role in store.names():
                print(f"{name}\t{role}")
    except (UserError, StorageUnavailable) as err:
        print(f"user {args.user_cmd}: {err}", file=sys.stderr)
        return 2
    return 0
