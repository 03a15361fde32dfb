"""The Raft key-value store as a real cluster: one process per server on 127.0.0.1.

    config.py     the cluster's JSON configuration (node ids -> ports, data dir, timeouts)
    server.py     one server: RaftNode driven by asyncio TCP and a timer loop
    disk.py       term, vote and log on disk, fsynced before anything depending on them is sent
    store.py      the state machine: put, cas, list-append transactions, reads through the log,
                  exactly-once retries
    readindex.py  linearizable reads without a log entry
    wire.py       newline-delimited JSON, for peers and clients alike
    client.py     the client library and command line (ok / fail / unknown outcomes)
    run.py        start a whole cluster; kill, pause, restart servers and cut links
    faults.py     the fault-injecting test driver (register or transactional workload)
    history.py    the client history it records, for `modelcheck history`
    variants.py   the known-bad variants (stale-reads, early-ack, txn-local-reads)
"""
