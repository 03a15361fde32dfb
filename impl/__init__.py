"""Executable consensus protocols: single-decree Paxos and Raft, with a network simulator.

Every node is a deterministic, sans-IO state machine: it never reads a clock, opens a socket
or touches a disk. The runtime (a real server loop, or `impl.sim` in tests) hands it a
message or a timer event and sends whatever messages it returns; stable storage is an object
the node writes through, which survives `restart()`.

    impl.paxos      proposers, acceptors and learners of single-decree Paxos
    impl.raft       a Raft server (election, replication, commitment, restarts) and a
                    replicated key-value store built on it (impl.raft.kv)
    impl.sim        an in-memory network that delivers, drops, duplicates and reorders
                    messages under a seed, and a driver that runs a cluster with faults
    impl.adapters   conformance adapters: how a test maps these nodes to the specs in specs/
    impl.mutation   hand-written bugs, and the script that checks the conformance suite finds them
"""
