"""Text and JSON renderings of a result, and the timeline picture."""
from __future__ import annotations

from modelcheck.history import linearizable
from modelcheck.history.picture import timeline
from modelcheck.history.report import SHOWN, render_text, result_json
from modelcheck.history.result import Result, Stats, Verdict

from histories import parse

STALE = parse((1, "put x 1", 0, 1), (2, "put x 2", 2, 3), (3, "get x 1", 4, 5), (4, "put x 3", 4.5, None))


def test_text_marks_the_culprit_and_unknown_outcomes():
    result = linearizable.check(STALE)
    text = render_text(result, "h.json")
    assert text.startswith("h.json: NOT linearizable: ")
    assert "get x -> 1  event 4 (4 s)  event 6 (5 s)   <- cannot be placed" in text
    everything = Result("linearizable", Verdict.INVALID, result.stats, ops=STALE.ops)
    assert "put x 3 (info)  event 5 (4.5 s)  never (outcome unknown)" in render_text(everything, "h.json")


def test_long_counterexamples_are_cut_in_text_not_in_json():
    ops = parse(*[(p, f"put x {p}", p, p + 0.5) for p in range(100)]).ops
    result = Result("sequential", Verdict.INVALID, Stats(100, 1, 0.1), reason="r", ops=ops)
    text = render_text(result, "h.json")
    assert f"(the last {SHOWN} of 100; --json or --out FILE gives all)" in text
    assert "put x 99" in text and "put x 10 " not in text
    assert len(result_json(result, "h.json")["ops"]) == 100


def test_timeline_has_a_lane_per_process_and_a_bar_per_operation():
    result = linearizable.check(STALE)
    source = timeline(result.ops, "title", result.culprit).source
    assert source.count("process ") >= 3 and "get x -> 1" in source and "put x 2" in source
    assert "#c0392b" in source  # the culprit in red
