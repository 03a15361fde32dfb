#!/usr/bin/env bash
# Regenerates the counterexample pictures linked from the README (needs graphviz's `dot`).
#
#   docs/pictures/make.sh           find the counterexamples again (Paxos: a second; Raft: 6 minutes or
#                                   more, 2.3 million states), store them as .itf.json, draw them
#   docs/pictures/make.sh --quick   only redraw, from the .itf.json traces stored here (seconds)
#
# Drawing goes through `modelcheck replay`, which also checks that each stored trace is still a
# behaviour of its spec, and takes the constants the trace was found with from the trace.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/pictures

search() {  # name spec invariant [modelcheck check options...]: store the shortest counterexample
  local name=$1 spec=$2 inv=$3
  shift 3
  local status=0
  modelcheck check "$spec" --inv "$inv" --out-itf "$out/$name.itf.json" "$@" >/dev/null || status=$?
  [ "$status" -eq 1 ] || { echo "expected a violation of $inv in $spec (exit $status)" >&2; exit 1; }
}

draw() {  # name spec invariant: every picture of the stored trace
  local name=$1 spec=$2 inv=$3
  modelcheck replay "$spec" "$out/$name.itf.json" --inv "$inv" \
    --svg "$out/$name.svg" --png "$out/$name.png" --msc "$out/${name}_msc.svg" >/dev/null
  modelcheck replay "$spec" "$out/$name.itf.json" --inv "$inv" --msc "$out/${name}_msc.png" >/dev/null
  echo "drew $out/$name{.svg,.png,_msc.svg,_msc.png}"
}

if [ "${1:-}" != "--quick" ]; then
  search paxos_buggy specs/paxos_buggy.spec Agreement
  search raft_restart_forgets_vote specs/raft_restart_forgets_vote.spec ElectionSafety \
    --const 'Servers={s1, s2, s3}' --const MaxLogLen=0
fi
draw paxos_buggy specs/paxos_buggy.spec Agreement
draw raft_restart_forgets_vote specs/raft_restart_forgets_vote.spec ElectionSafety
