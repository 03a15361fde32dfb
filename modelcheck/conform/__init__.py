"""Conformance testing of implementations against specs: trace suites from a spec, replay
of traces against an implementation (spec -> implementation), and validation of an
implementation's executions against the spec (implementation -> spec). See docs in
README.md ("Conformance testing") and the adapters in impl/adapters/."""
