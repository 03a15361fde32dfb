"""Jepsen's histories read as is: EDN operation maps in any layout, keys and independent
tuples as separate registers, Knossos's and Porcupine's conventions, jepsen.util log lines,
and errors naming the line and column of the record at fault."""
from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.history import linearizable, sequential
from modelcheck.history.format import HistoryError, parse_history, read_history
from modelcheck.history.jepsen import Conventions
from modelcheck.history.result import Verdict

PUBLISHED = Path(__file__).parent / "published"
KNOSSOS = Conventions(initial=0, nil_reads="unknown")


def verdict(text: str, conventions: Conventions | None = None, model=linearizable) -> str:
    return model.check(parse_history(text, conventions=conventions)).verdict.value


def test_register_operations_and_what_is_skipped():
    history = parse_history("""
{:type :invoke, :f :write, :value 3, :process 0, :time 1000000000, :node "n1"}
{:type :info, :f :start, :process :nemesis}
{:type :ok, :f :write, :value 3, :process 0, :time 2000000000}
{:type :invoke, :f :cas, :value [3 4], :process 1}
{:type :fail, :f :cas, :value [3 4], :process 1, :error :conflict}
{:type :invoke, :f :read, :value nil, :process 2}
{:type :ok, :f :read, :value 3, :process 2}
""")
    assert [op.describe() for op in history.ops] == ["put register 3", "cas register 3->4 (fail)", "get register -> 3"]
    assert history.ops[0].invoke_time == 1.0
    assert history.ops[0].node is None  # Jepsen's :node is the client's node, not a replica read


def test_a_comment_is_never_data():
    text = """; a history that begins with a comment
{:process 0, :type :invoke, :f :write, :value 1 ; was :value 2
}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 1}
"""
    assert verdict(text) == "valid"


@pytest.mark.parametrize("wrap", ["[{}]", "({})", "{}", "#_ :ignored [{}]"])
def test_one_map_per_line_or_one_list_or_vector_of_maps(wrap):
    ops = """{:process 0, :type :invoke, :f :write, :value 1}
 #jepsen.history.Op{:index 1, :process 0, :type :ok, :f :write, :value 1}
 [1 :invoke :read nil]
 {:type :ok, :value 2, :f :read, :process 1}"""
    history = parse_history(wrap.replace("{}", ops))
    assert [op.describe() for op in history.ops] == ["put register 1", "get register -> 2"]


KEYED = """{:process 0, :type :invoke, :f :write, :key "x", :value 1}
{:process 0, :type :ok, :f :write, :key "x", :value 1}
{:process 1, :type :invoke, :f :write, :key "y", :value 2}
{:process 1, :type :ok, :f :write, :key "y", :value 2}
{:process 2, :type :invoke, :f :read, :key "x", :value nil}
{:process 2, :type :ok, :f :read, :key "x", :value 1}
"""


def test_keys_are_separate_registers():
    history = parse_history(KEYED)
    assert history.keys == ("x", "y")
    assert verdict(KEYED) == "valid"  # as one register the read of 1 after the write of 2 would be stale


def test_independent_tuples_are_separate_registers():
    text = """{:process 0, :type :invoke, :f :write, :value [5 1]}
{:process 0, :type :ok, :f :write, :value [5 1]}
{:process 1, :type :invoke, :f :cas, :value [6 [nil 2]]}
{:process 1, :type :ok, :f :cas, :value [6 [nil 2]]}
{:process 2, :type :invoke, :f :read, :value [5 nil]}
{:process 2, :type :ok, :f :read, :value [5 1]}
{:process 3, :type :invoke, :f :write, :value [5 3]}
{:process 3, :type :info, :f :write, :value :timed-out}
"""
    history = parse_history(text)
    assert [op.describe() for op in history.ops] == ["put 5 1", "cas 6 null->2", "get 5 -> 1", "put 5 3 (info)"]
    assert verdict(text) == "valid"


def test_keys_that_would_share_a_name_are_an_error():
    text = '{:process 0, :type :invoke, :f :write, :key 1, :value 1}\n' \
           '{:process 1, :type :invoke, :f :write, :key "1", :value 1}'
    with pytest.raises(HistoryError, match="line 2, column 1: keys 1 and \"1\" would both be named '1'"):
        parse_history(text)


def test_knossos_conventions_initial_value_and_nil_reads():
    text = """[{:process 0, :type :invoke, :f :read, :value nil}
 {:process 0, :type :ok, :f :read, :value 0}
 {:process 1, :type :invoke, :f :cas, :value [0 5]}
 {:process 1, :type :ok, :f :cas, :value [0 5]}
 {:process 2, :type :invoke, :f :read, :value nil}
 {:process 2, :type :ok, :f :read, :value nil}]"""
    assert verdict(text) == "invalid"  # initially null: neither the read of 0 nor the cas from 0
    assert verdict(text, KNOSSOS) == "valid"  # the read of nil says nothing
    assert verdict(text, Conventions(initial=0)) == "invalid"  # nil: the key without a value, after 5


def test_timed_out_completions_take_the_invocations_value():
    text = """{:process 0, :type :invoke, :f :write, :value 4}
{:process 0, :type :info, :f :write, :value :timed-out}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :fail, :f :read, :value :timed-out}
{:process 2, :type :invoke, :f :read, :value nil}
{:process 2, :type :ok, :f :read, :value 4}"""
    history = parse_history(text)
    assert [op.describe() for op in history.ops] == ["put register 4 (info)", "get register (fail)",
                                                     "get register -> 4"]


def test_porcupine_kv_format_appends_strings():
    text = """{:process 0, :type :invoke, :f :put, :key "k", :value "a"}
{:process 0, :type :ok, :f :put, :key "k", :value "a"}
{:process 1, :type :invoke, :f :append, :key "k", :value "b"}
{:process 2, :type :invoke, :f :get, :key "k", :value nil}
{:process 1, :type :ok, :f :append, :key "k", :value "b"}
{:process 2, :type :ok, :f :get, :key "k", :value "ab"}
{:process 3, :type :invoke, :f :get, :key "k", :value nil}
{:process 3, :type :ok, :f :get, :key "k", :value "a"}"""
    kv = Conventions(initial="")
    assert [op.describe() for op in parse_history(text, conventions=kv).ops][:2] == ['put k "a"', 'append k "b"']
    result = linearizable.check(parse_history(text, conventions=kv))
    assert result.verdict is Verdict.INVALID and result.culprit.describe() == 'get k -> "a"'
    last_read = '{:process 3, :type :ok, :f :get, :key "k", :value "a"}'
    assert verdict(text.replace(last_read, last_read.replace('"a"', '"ab"')), kv) == "valid"
    assert sequential.check(parse_history(text, conventions=kv)).verdict is Verdict.VALID
    with pytest.raises(HistoryError, match="line 3, column 1: append on key 'k' needs every key to start as a string"):
        parse_history(text)


def test_jepsen_util_log_lines():
    log = """INFO  jepsen.util - 0	:invoke	:write	1
2015-05-26 14:40:36,581{GMT}	INFO	[jepsen worker 1] jepsen.core: a line of another logger
INFO  jepsen.util - 0	:ok	:write	1
INFO  jepsen.util - 1	:invoke	:cas	[1 2]
INFO  jepsen.util - 1	:info	:cas	:timed-out
INFO  jepsen.util - 2	:invoke	:read	nil
INFO  jepsen.util - 2	:ok	:read	2
"""
    history = parse_history(log)
    assert [op.describe() for op in history.ops] == ["put register 1", "cas register 1->2 (info)", "get register -> 2"]
    assert verdict(log) == "valid"
    with pytest.raises(HistoryError, match="line 7: a jepsen.util line that is not an operation"):
        parse_history(log.replace("2	:ok	:read	2", "no operation here"))
    with pytest.raises(HistoryError, match=r"line 4, column 36: '\[' opened here is never closed"):
        parse_history(log.replace("[1 2]", "[1 2"))


@pytest.mark.parametrize("text, message", [
    ("{:process 0, :type :invoke, :f :write}\n{:process 0, :type :invoke, :f :write, :value 2}",
     "line 2, column 1: process 0 invokes put while its put (invoked at event 0) has not completed"),
    ("\n  {:process 0, :type :begin, :f :write, :value 1}", "line 2, column 3: :type must be :invoke, :ok"),
    ("{:process 0, :type :invoke, :f :delete, :value 1}", "line 1, column 1: :f :delete is not an operation"),
    ("{:process \"p\", :type :invoke, :f :read}", "line 1, column 1: :process must be an integer"),
    ("{:type :invoke, :f :read}", "line 1, column 1: the operation has no :process"),
    ("[{:process 0, :type :invoke, :f :write, :value 1.5}]", "line 1, column 2: the value of put must be"),
    ("{:process 0, :type :invoke, :f :cas, :value 3}", "line 1, column 1: a cas's value must be [expected new]"),
    ("{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value 2}",
     "line 2, column 1: ok of put by process 0 has value 2, its invocation at event 0 has 1"),
    ("{:process 0, :type :invoke, :f :write, :value [1 2]}\n{:process 1, :type :invoke, :f :write, :value 3}",
     "line 2, column 1: the history's values are jepsen.independent [key value] tuples, but this one is 3"),
    ("{:process 0 :type :invoke :f :read :value 1 :value 2}", "not EDN: line 1, column 45: duplicate key :value"),
    ("  ; nothing but a comment\n", "no operations: the file is empty or only comments"),
])
def test_errors_name_the_line_and_column(text, message):
    with pytest.raises(HistoryError) as caught:
        parse_history(text)
    assert message in str(caught.value)


# ---------------------------------------------------------------- published histories (README.md there)

@pytest.mark.parametrize("name, conventions, expected", [
    ("etcd_000.log", None, "invalid"),
    ("etcd_002.log", None, "valid"),
    ("etcd_006.log", None, "invalid"),
    ("etcd_013.log", None, "invalid"),
    ("etcd_071.log", None, "invalid"),
    ("c01-ok.txt", Conventions(initial=""), "valid"),
    ("c01-bad.txt", Conventions(initial=""), "invalid"),
    ("c10-ok.txt", Conventions(initial=""), "valid"),
    ("c10-bad.txt", Conventions(initial=""), "invalid"),
    ("bad-analysis.edn", KNOSSOS, "invalid"),
    ("immediate-failure.edn", KNOSSOS, "invalid"),
    ("rethink-fail-minimal.edn", KNOSSOS, "invalid"),
    ("cas-failure.edn", KNOSSOS, "invalid"),
    ("cas-register-bug.edn", KNOSSOS, "valid"),
    ("memstress3-0.edn", KNOSSOS, "valid"),
])
def test_published_histories_have_their_expected_verdicts(name, conventions, expected):
    history = read_history(PUBLISHED / name, conventions)
    result = linearizable.check(history)
    assert result.verdict.value == expected
    if expected == "valid":
        assert sequential.check(history).verdict is Verdict.VALID  # weaker than linearizability
    else:
        assert any(op.id == result.culprit.id for op in result.ops)
