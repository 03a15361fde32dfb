"""Hand-written histories whose verdicts are known, for each model."""
from __future__ import annotations

import pytest

from modelcheck.history import eventual, linearizable, sequential
from modelcheck.history.format import HistoryError
from modelcheck.history.result import Verdict

from histories import parse

VALID, INVALID = Verdict.VALID, Verdict.INVALID

# (name, operations, linearizable, sequentially consistent)
CASES = [
    ("stale read", [(1, "put x 1", 0, 1), (2, "put x 2", 2, 3), (3, "get x 1", 4, 5)], INVALID, VALID),
    ("concurrent writes, either read", [(1, "put x 1", 0, 3), (2, "put x 2", 1, 4), (3, "get x 1", 5, 6),
                                        (4, "get x 1", 7, 8)], VALID, VALID),
    ("read flips back", [(1, "put x 1", 0, 3), (2, "put x 2", 1, 4), (3, "get x 1", 5, 6),
                         (4, "get x 2", 7, 8), (3, "get x 1", 9, 10)], INVALID, VALID),
    ("read of the initial null", [(1, "get x null", 0, 1), (2, "put x 1", 2, 3)], VALID, VALID),
    ("null after a completed write", [(2, "put x 1", 0, 1), (1, "get x null", 2, 3)], INVALID, VALID),
    ("info write shows later", [(1, "put x 1", 0, 1, "info"), (2, "get x null", 2, 3), (3, "get x 1", 4, 5)],
     VALID, VALID),
    ("info write never shows", [(1, "put x 1", 0, 1, "info"), (2, "get x null", 2, 3)], VALID, VALID),
    ("info write cannot be undone", [(1, "put x 1", 0, 1, "info"), (2, "get x 1", 2, 3), (3, "get x null", 4, 5)],
     INVALID, VALID),
    ("write that never completes", [(1, "put x 1", 0, None), (2, "get x 1", 2, 3)], VALID, VALID),
    ("failed write has no effect", [(1, "put x 1", 0, 1, "fail"), (2, "get x 1", 2, 3)], INVALID, INVALID),
    ("cas swaps", [(1, "put x 1", 0, 1), (2, "cas x 1 2", 2, 3), (3, "get x 2", 4, 5)], VALID, VALID),
    ("failed cas does not swap", [(1, "put x 1", 0, 1), (2, "cas x 1 2", 2, 3, "fail"), (3, "get x 2", 4, 5)],
     INVALID, INVALID),
    ("cas succeeds on the wrong value", [(1, "put x 1", 0, 1), (2, "cas x 3 4", 2, 3)], INVALID, INVALID),
    ("cas from null", [(1, "cas x null 5", 0, 1), (2, "get x 5", 2, 3)], VALID, VALID),
    ("value from nowhere", [(1, "get x 7", 0, 1)], INVALID, INVALID),
    ("keys are independent", [(1, "put x 1", 0, 1), (2, "put y 2", 2, 3), (3, "get x 1", 4, 5),
                              (3, "get y 2", 6, 7)], VALID, VALID),
    # sequential consistency is not compositional: each key alone is fine, together they are not
    ("store buffering", [(1, "put x 1", 0, 1), (1, "get y null", 2, 3), (2, "put y 1", 0.5, 1.5),
                         (2, "get x null", 2.5, 3.5)], INVALID, INVALID),
    ("program order, not real time", [(1, "put x 1", 0, 1), (1, "put x 2", 2, 3), (2, "get x 2", 4, 5),
                                      (2, "get x 1", 6, 7)], INVALID, INVALID),
]


@pytest.mark.parametrize("name, ops, lin, seq", CASES, ids=[c[0] for c in CASES])
def test_known_verdicts(name, ops, lin, seq):
    history = parse(*ops)
    assert linearizable.check(history).verdict is lin
    assert sequential.check(history).verdict is seq


def test_each_key_alone_is_sequentially_consistent_in_store_buffering():
    ops = dict((c[0], c[1]) for c in CASES)["store buffering"]
    for key in "xy":
        assert sequential.check(parse(*(op for op in ops if op[1].split()[1] == key))).verdict is VALID
    result = sequential.check(parse(*ops))
    assert result.key is None and "through keys x, y" in result.reason
    assert len(result.ops) == 4 and result.minimal


def test_linearizability_counterexample_names_the_stale_read():
    result = linearizable.check(parse((1, "put x 1", 0, 1), (2, "put x 2", 2, 3), (3, "get x 1", 4, 5),
                                      (4, "get y null", 0.5, 6)))
    assert result.key == "x" and result.minimal
    assert result.culprit.describe() == "get x -> 1"
    assert [op.describe() for op in result.ops] == ["put x 1", "put x 2", "get x -> 1"]
    assert "get x -> 1 by process 3 cannot be placed" in result.reason


def test_counterexample_of_a_long_history_is_small():
    ops = [(p, f"put x {i}", 10 * i + p, 10 * i + p + 3) for i in range(50) for p in (1, 2)]
    ops += [(3, "get x 0", 1000, 1001)]  # long overwritten
    result = linearizable.check(parse(*ops))
    assert result.verdict is INVALID and result.minimal
    assert len(result.ops) == 3


def test_timeout_gives_unknown():
    # 15 concurrent writes, then a read of a value none wrote after all of them: the search
    # tries the writes' orders (2^15 subsets) before it can say no
    ops = [(p, f"put x {p}", p * 0.01, 100 + p) for p in range(15)] + [(20, "get x 99", 200, 201)]
    history = parse(*ops)
    for check in (linearizable.check, sequential.check):
        result = check(history, timeout=0.001)
        assert result.verdict is Verdict.UNKNOWN, check
        assert "stopped after" in result.reason


# ---------------------------------------------------------------- eventual

def final(*reads: tuple, start: float = 100) -> list[tuple]:
    """Final reads (node, "get k v") one after another from `start`."""
    return [(50 + i, text, start + 2 * i, start + 2 * i + 1, "ok", node) for i, (node, text) in enumerate(reads)]


WRITES = [(1, "put x 1", 0, 1), (2, "put x 2", 2, 3), (3, "put y 5", 4, 5, "info")]


def test_eventual_valid_when_replicas_agree_on_a_written_value():
    history = parse(*WRITES, *final(("n1", "get x 2"), ("n2", "get x 2"), ("n1", "get y null"), ("n2", "get y 5")))
    result = eventual.check(parse(*WRITES, *final(("n1", "get x 2"), ("n2", "get x 2"), ("n3", "get y 5"))))
    assert result.verdict is VALID
    assert eventual.check(history).verdict is INVALID  # y: null on n1, 5 on n2


def test_eventual_names_the_key_the_replicas_and_their_values():
    result = eventual.check(parse(*WRITES, *final(("n1", "get x 2"), ("n2", "get x 1"), ("n3", "get x 2"))))
    assert result.verdict is INVALID and result.key == "x"
    assert result.reads == {"n1": [2], "n2": [1], "n3": [2]}
    assert "n1 read 2; n2 read 1; n3 read 2" in result.reason


def test_eventual_value_must_have_been_written():
    assert eventual.check(parse(*WRITES, *final(("n1", "get x 7"), ("n2", "get x 7")))).verdict is INVALID
    result = eventual.check(parse(*WRITES, *final(("n1", "get x null"), ("n2", "get x null"))))
    assert result.verdict is INVALID and "put x 1" in result.reason  # a write succeeded
    # null is fine when the only write has an unknown outcome
    assert eventual.check(parse(*WRITES, *final(("n1", "get y null")))).verdict is VALID


def test_eventual_reads_before_the_quiet_point_do_not_count():
    early = [(40, "get x 1", 1.5, 1.8, "ok", "n1")]  # during the writes: stale is fine
    assert eventual.check(parse(*WRITES, *early, *final(("n1", "get x 2")))).verdict is VALID
    # with quiet_after, the time decides
    history = parse(*WRITES, *early, *final(("n1", "get x 2"), ("n2", "get x 2")), quiet_after=1.0)
    assert eventual.check(history).verdict is INVALID


def test_eventual_needs_final_reads():
    with pytest.raises(HistoryError, match="final reads"):
        eventual.check(parse(*WRITES, (9, "get x 2", 10, 11)))


def test_replica_reads_are_not_client_operations():
    # a lagging replica's read after the quiet period is the eventual model's business
    history = parse(*WRITES, *final(("n1", "get x 2"), ("n2", "get x 1")))
    assert linearizable.check(history).verdict is VALID
    assert sequential.check(history).verdict is VALID
    assert eventual.check(history).verdict is INVALID
