"""The Hypothesis profile of the property tests (tests/test_properties*.py).

"ci" is loaded by default, here and in CI, so that every run draws the same examples: derandomized
(examples come from a fixed seed, not from the clock), no example database (nothing is written to
disk, nothing carried between runs), no per-example deadline (the machine is shared and busy; run
time is bounded by the example counts instead), and a bounded number of examples per test, chosen
so that all the property tests together take well under a minute on a 2-core machine.
HYPOTHESIS_PROFILE=dev draws ten times as many, fresh each run, to hunt for new failures by hand.
Hypothesis is a test-only tool (requirements-test.txt): without it the property tests are not
collected (pytest's header says so), and CI=true fails instead.
"""

import os

try:
    from hypothesis import HealthCheck, settings
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    collect_ignore_glob = ["test_properties*.py"]

    def pytest_report_header(config):
        return "property tests not collected: they need Hypothesis (pip install -r requirements-test.txt)"
else:
    settings.register_profile(
        "ci", derandomize=True, database=None, deadline=None, max_examples=100, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("dev", max_examples=250, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
