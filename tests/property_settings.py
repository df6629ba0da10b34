"""Hypothesis profiles: `ci` for make test (derandomized: one commit, one verdict on any machine) and `fuzz` for
make fuzz (fresh randomness, FUZZ_SCALE times each test's examples); examples() is each property test's budget."""

from __future__ import annotations

from hypothesis import settings

FUZZ_SCALE = 10
_CI_EXAMPLES = 100  # Hypothesis' own default; each test scales its budget by the profile's

# ci: the same examples on every run and machine (derandomize: seeded from each test's own code), no example
# database (a failure kept in one checkout's .hypothesis/ must not change that checkout's verdict), no deadline
# (timing belongs in benchmarks, never in a verdict).
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=_CI_EXAMPLES,
                          print_blob=True)
# fuzz: new random examples on every run, FUZZ_SCALE times as many; failures are kept in .hypothesis/ and replayed
# first on the next run, and printed with their seed and @reproduce_failure blob.
settings.register_profile("fuzz", derandomize=False, deadline=None, max_examples=_CI_EXAMPLES * FUZZ_SCALE,
                          print_blob=True)


def examples(n: int) -> int:
    """A property test's budget: n examples under `ci`, n times the profile's scale under `fuzz`."""
    return max(1, n * settings.default.max_examples // _CI_EXAMPLES)
