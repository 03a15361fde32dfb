"""Conformance adapters: how impl's nodes are driven by, and mapped to, the specs in specs/.

    impl.adapters.paxos:PaxosAdapter   impl.paxos  <->  specs/paxos.spec
    impl.adapters.raft:RaftAdapter     impl.raft   <->  specs/raft.spec

These are test code, not part of the implementations (which know nothing of specs); they are
the examples to follow when writing an adapter (modelcheck/conform/adapter.py).
"""
