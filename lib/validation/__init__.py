"""Registry of external reference cases, shared by the test suite and the validation appendix.

A case is a function returning a list of :class:`Check` records, each comparing one number
computed through the project's own code with an expected value from a published source or peer
software. Tests assert every check passes; the appendix tabulates the largest error per case.
"""
from __future__ import annotations

import functools
import importlib
import json
import math
from dataclasses import dataclass, field
from typing import Callable

AREAS = ("indicators", "inequality", "panel", "threshold", "mediation", "spatial")


@dataclass(frozen=True)
class Check:
    """One computed number against its reference value."""

    quantity: str
    computed: float
    expected: float
    tol: float
    relative: bool = False

    @property
    def error(self) -> float:
        err = abs(float(self.computed) - float(self.expected))
        if self.relative:
            err /= max(abs(float(self.expected)), 1e-300)
        return err

    @property
    def passed(self) -> bool:
        return math.isfinite(self.error) and self.error <= self.tol


@dataclass(frozen=True)
class Case:
    """A registered reference case: what is checked, against what, and how strongly."""

    name: str
    area: str
    method: str
    reference: str
    grade: str
    func: Callable[[], list[Check]] = field(repr=False)

    def run(self) -> list[Check]:
        checks = self.func()
        if not checks:
            raise RuntimeError(f"validation case {self.name!r} produced no checks")
        return checks


CASES: dict[str, Case] = {}


def case(name: str, *, area: str, method: str, reference: str, grade: str):
    """Register a reference case (decorator)."""
    if area not in AREAS:
        raise ValueError(f"unknown validation area {area!r}; expected one of {AREAS}")

    def wrap(func: Callable[[], list[Check]]) -> Callable[[], list[Check]]:
        if name in CASES:
            raise ValueError(f"validation case {name!r} registered twice")
        CASES[name] = Case(name, area, method, reference, grade, func)
        return func

    return wrap


@functools.cache
def expected(folder: str) -> dict:
    """The expected numbers of a reference folder: ``validation/reference/<folder>/expected.json``."""
    from lib import paths

    return json.loads((paths.REFERENCE / folder / "expected.json").read_text(encoding="utf-8"))


def load_all() -> dict[str, Case]:
    """Import every area module so that all cases are registered."""
    for area in AREAS:
        try:
            importlib.import_module(f"lib.validation.{area}")
        except ModuleNotFoundError as exc:  # an area not written yet
            if exc.name != f"lib.validation.{area}":
                raise
    return CASES
