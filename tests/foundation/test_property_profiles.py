"""make test runs the property tests derandomized (one commit, one verdict); make fuzz has fresh randomness."""

from __future__ import annotations

from hypothesis import settings
from property_settings import FUZZ_SCALE, examples


def test_make_test_runs_property_tests_derandomized_without_an_example_database():
    # make fuzz loads its own profile but selects only the property tests (-m hypothesis): this one is never there
    assert settings.default.derandomize and settings.default.database is None and settings.default.deadline is None
    assert examples(150) == 150


def test_the_fuzz_profile_has_fresh_randomness_and_a_larger_budget():
    fuzz = settings.get_profile("fuzz")
    assert not fuzz.derandomize and fuzz.max_examples == FUZZ_SCALE * settings.get_profile("ci").max_examples
    assert FUZZ_SCALE >= 10
