"""Conformance testing of implementations against specs: trace suites from a spec (tracegen.py,
and criteria.py for coverage of guard outcomes, boundaries, branches and messages), replay of
traces against an implementation (spec -> implementation), validation of an implementation's
executions against the spec (implementation -> spec), and mutation testing of the
implementation to measure the suites (mutate.py). See README.md ("Conformance testing") and
the adapters in impl/adapters/ and examples/lease/."""
