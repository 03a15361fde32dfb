"""Helpers for the Z3 tests: specs built from the shipped ones."""
from __future__ import annotations

from pathlib import Path

from conftest import PAXOS

HERE = Path(__file__).resolve().parent

# Lamport's TLAPS-checked inductive invariant for Paxos (TypeOK /\ MsgInv /\ AccInv from tlapm's
# examples/paxos/Paxos.tla), written over paxos.spec's variables: appended to paxos.spec.
TLAPS_INVARIANT = (HERE / "paxos_tlaps_invariant.part").read_text()


def paxos_with_inductive_invariant(directory: Path) -> Path:
    """paxos.spec plus `invariant IndInv`, as a file in directory."""
    path = directory / "paxos_inductive.spec"
    path.write_text(PAXOS.read_text() + TLAPS_INVARIANT)
    return path
