"""Study parameters: the schema and defaults in ``params.yml``, validated overrides on top.

Every override is checked before anything runs: an unknown name, a wrong type or a value outside
its allowed set gets an error naming the parameter and what is allowed. Strings from a command line
or YAML ('1e3', 'false', 'no') are coerced only where the declared type makes the meaning certain.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from lib import paths


class ParameterError(ValueError):
    """An override that is unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class Spec:
    name: str
    default: Any
    type: str
    doc: str
    choices: tuple | None = None
    range: tuple | None = None

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if self.range:
            return f"between {self.range[0]} and {self.range[1]}"
        return "true or false" if self.type == "bool" else f"any {self.type}"


def schema(path: Path = paths.PARAMS_FILE) -> dict[str, Spec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for name, d in raw.items():
        spec = Spec(name, d["default"], d["type"], d["doc"],
                    tuple(d["choices"]) if "choices" in d else None,
                    tuple(d["range"]) if "range" in d else None)
        out[name] = spec
        _check(spec, spec.default)  # the defaults obey their own schema
    return out


_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def _coerce(spec: Spec, value: Any) -> Any:
    t = spec.type
    if t == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
    elif t == "int":
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            return value
        elif isinstance(value, float) and value.is_integer():
            return int(value)
        elif isinstance(value, str):
            try:
                f = float(value)
                if f.is_integer():
                    return int(f)
            except ValueError:
                pass
    elif t == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif t == "str":
        if isinstance(value, str):
            return value
    elif t == "list[str]":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
    raise ParameterError(f"parameter {spec.name!r}: expected {spec.type}, got {value!r} "
                         f"({type(value).__name__}); allowed: {spec.allowed()}")


def _check(spec: Spec, value: Any) -> Any:
    v = _coerce(spec, value)
    items = v if isinstance(v, tuple) else (v,)
    if isinstance(v, tuple) and len(set(v)) != len(v):
        raise ParameterError(f"parameter {spec.name!r}: {value!r} repeats an entry")
    if spec.choices and any(x not in spec.choices for x in items):
        raise ParameterError(f"parameter {spec.name!r}: {value!r} is not allowed; "
                             f"allowed: {spec.allowed()}")
    if spec.range and not (spec.range[0] <= v <= spec.range[1]):
        raise ParameterError(f"parameter {spec.name!r}: {value!r} is out of range; "
                             f"allowed: {spec.allowed()}")
    return v


def validate(overrides: Mapping[str, Any], path: Path = paths.PARAMS_FILE) -> dict[str, Any]:
    """Return the overrides coerced to their declared types, or raise ParameterError."""
    specs = schema(path)
    unknown = sorted(set(overrides) - set(specs))
    if unknown:
        raise ParameterError(f"unknown parameter(s) {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(specs))}")
    return {k: _check(specs[k], v) for k, v in overrides.items()}


@dataclass(frozen=True)
class Params:
    values: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def digest(self) -> str:
        """Short hash of the full parameter set (for stamps and run folders)."""
        blob = json.dumps(dict(self.values), sort_keys=True, default=list).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def load(overrides: Mapping[str, Any] | None = None, path: Path = paths.PARAMS_FILE) -> Params:
    """All parameters: defaults from params.yml with validated overrides applied."""
    specs = schema(path)
    values = {k: _check(s, s.default) for k, s in specs.items()}
    values.update(validate(overrides or {}, path))
    if values["year_start"] >= values["year_end"]:
        raise ParameterError(f"year_start {values['year_start']} must be before year_end {values['year_end']} "
                             "(a panel needs at least two years)")
    if values["agglomeration_measure"] == "lq_adv" and values["edition"] != "full":
        raise ParameterError("parameter 'agglomeration_measure': 'lq_adv' needs sub-sector employment, "
                             "which only the full edition has (set edition: full)")
    return Params(MappingProxyType(values))
