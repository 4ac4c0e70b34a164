"""The building blocks of every config section: strict sections and the common value types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Pin = Annotated[int, Field(ge=0, le=27, description="BCM GPIO number")]
Celsius = Annotated[float, Field(ge=-50, le=1000, allow_inf_nan=False)]
PositiveS = Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False)]
Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class Section(BaseModel):
    """Base for every section: unknown keys are errors, values are never coerced from strings."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
