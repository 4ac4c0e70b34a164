"""The on-disk shapes of tokens.json and users.json, checked like API bodies: strict, no extras."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

HEX64 = r"^[0-9a-f]{64}$"
TokenRole = Literal["viewer", "operator", "engineer", "admin"]
UserRole = Literal["operator", "engineer", "admin"]


class Stored(BaseModel):
    """Unknown keys are errors and values are never coerced, as for a REST body."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TokenModel(Stored):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=64)]
    role: TokenRole
    sha256: Annotated[str, Field(pattern=HEX64)]
    created_at: float | int

    @field_validator("created_at")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value) or value < 0:
            raise ValueError("must be a finite time ≥ 0")
        return value


class UserModel(Stored):
    name: Annotated[str, Field(pattern=r"^[\w .\-]{1,32}$")]
    role: UserRole
    salt: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    pin_hash: Annotated[str, Field(pattern=HEX64)]
    n: Annotated[int, Field(ge=2**10, le=2**20)] = 2**14
    r: Annotated[int, Field(ge=1, le=32)] = 8
    p: Annotated[int, Field(ge=1, le=16)] = 1

    @field_validator("n")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("must be a power of two")
        return value


M = TypeVar("M", bound=Stored)


def valid_entries(data: Any, key: str, model: type[M], file_name: str) -> tuple[list[M], list[str]]:
    """The entries of `data[key]` that pass `model`, and one problem per entry that does not,
    naming the file and the field (`tokens.json: tokens[2].role: ...`)."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        return [], [f"{file_name}: '{key}' must be a list"]
    good: list[M] = []
    problems: list[str] = []
    for k, item in enumerate(data[key]):
        try:
            good.append(model.model_validate(item))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            field = f"{key}[{k}]" + (f".{where}" if where else "")
            problems.append(f"{file_name}: {field}: {first['msg']}; entry not loaded")
    return good, problems


def users_file_problems(path: Path) -> list[str]:
    """What is wrong with users.json, by file and field, read without changing anything
    (for /health and the start-up alarm; the store itself sets a corrupt file aside)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as err:
        return [f"{path.name}: unreadable ({type(err).__name__})"]
    return valid_entries(data, "users", UserModel, path.name)[1]
