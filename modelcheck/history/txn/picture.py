"""Anomalies drawn with graphviz: one box per cluster of an anomaly, a node per transaction
(its micro-operations underneath its name), and for a cycle its edges, each labelled with
its kind and the key that makes it (the edges of the real-time and process orders dashed).
An anomaly without a cycle (an aborted read, ...) links its transactions with one dashed
edge named after it."""
from __future__ import annotations

import graphviz

from .anomalies import Anomaly
from .format import Txn

FONT = "Helvetica"
COLOR = {"ww": "#1f5fa8", "wr": "#2e7d32", "rw": "#c0392b", "process": "#7f7f7f", "realtime": "#7f7f7f"}
DRAWN = 6  # anomalies drawn at most


def anomalies_picture(anomalies: tuple[Anomaly, ...], title: str) -> graphviz.Digraph:
    g = graphviz.Digraph("anomalies", engine="dot")
    g.attr("graph", fontname=FONT, label=title, labelloc="t", fontsize="14", bgcolor="white", pad="0.3")
    g.attr("node", fontname=FONT, fontsize="10", shape="box", style="rounded,filled", fillcolor="#f4f6fa")
    g.attr("edge", fontname=FONT, fontsize="9")
    for i, anomaly in enumerate(anomalies[:DRAWN]):
        with g.subgraph(name=f"cluster{i}") as c:
            c.attr(label=anomaly.name, fontsize="12", color="#999999")
            for t in {t.id: t for t in anomaly.txns}.values():
                c.node(f"a{i}t{t.id}", label=_label(t), tooltip=f"{t.name}: {t.describe()}")
            for s in anomaly.steps:
                c.edge(f"a{i}t{s.src.id}", f"a{i}t{s.dst.id}", label=s.kind + (f" {s.key}" if s.key is not None else ""),
                       color=COLOR[s.kind], fontcolor=COLOR[s.kind], tooltip=s.text,
                       style="dashed" if s.kind in ("process", "realtime") else "solid")
            if not anomaly.steps and len(anomaly.txns) > 1:
                first, *rest = anomaly.txns
                for t in rest:
                    c.edge(f"a{i}t{t.id}", f"a{i}t{first.id}", label=anomaly.name, style="dashed",
                           color="#c0392b", fontcolor="#c0392b", tooltip=anomaly.text)
    return g


def _label(t: Txn) -> str:
    ops = "\\l".join(op.describe() for op in t.ops)
    return f"{t.name} (process {t.process}, {t.status})\\n{ops}\\l"
