"""Parameter validation: coercion by declared type, and errors naming the parameter."""
from __future__ import annotations

import pytest

from lib import params


def test_defaults_load_and_hash_is_stable():
    a, b = params.load(), params.load()
    assert a.digest() == b.digest()
    assert a.n_boot == 300 and a.agglomeration_measure == "lq_va"


@pytest.mark.parametrize("raw,expected", [("1e3", 1000), (1000.0, 1000), ("500", 500)])
def test_int_coercion(raw, expected):
    assert params.load({"n_boot": raw}).n_boot == expected


@pytest.mark.parametrize("raw,expected", [("false", False), ("no", False), ("true", True), (True, True)])
def test_bool_coercion(raw, expected):
    assert params.load({"static_figures": raw}).static_figures is expected


@pytest.mark.parametrize("bad,match", [
    ({"nboot": 10}, "unknown parameter"), ({"n_boot": "many"}, "'n_boot': expected int"),
    ({"n_boot": 1.5}, "expected int"), ({"n_boot": 5}, "out of range"),
    ({"weights": "queen"}, "allowed: one of contiguity"), ({"controls": ["gdp"]}, "'controls'"),
    ({"year_start": 2020, "year_end": 2015}, "must be before year_end"), ({"static_figures": "maybe"}, "expected bool"),
])
def test_bad_overrides_are_refused(bad, match):
    with pytest.raises(params.ParameterError, match=match):
        params.load(bad)


def test_list_parameters_reach_a_notebook_as_lists(tmp_path):
    """papermill renders tuples as strings; the executor hands lists over instead."""
    from lib import build

    o = build.execute_chapter("chapters/92_appendix_reproducibility", tmp_path,
                              overrides=params.validate({"controls": "fin_dev"}), force=True)
    assert o.executed


@pytest.mark.parametrize("bad,match", [({"controls": "fin_dev,fin_dev"}, "repeats"),
                                       ({"year_start": 2015, "year_end": 2015}, "at least two years")])
def test_more_refused_overrides(bad, match):
    with pytest.raises(params.ParameterError, match=match):
        params.load(bad)
