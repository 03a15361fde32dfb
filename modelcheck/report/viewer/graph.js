// The state graph viewer: graphviz's picture (nodes <g id="state{N}">) with zoom (wheel,
// + / - keys), pan (drag, arrows) and a side panel with the full state of the state clicked
// and the steps into and out of it (click one to go there). 0 fits the picture.
"use strict";

(function () {
  const data = MC.data();
  MC.modelValues = new Set(data.modelValues);
  const nodes = new Map(data.nodes.map((n) => [n.id, n]));
  const main = document.getElementById("mc-main");
  const box = document.getElementById("mc-graph");
  const svg = box.querySelector("svg");
  const open = {};
  let selected = null;
  document.getElementById("mc-help").textContent =
    "drag to pan \u00b7 wheel or + / \u2212 to zoom \u00b7 0 fits \u00b7 click a state to see it";

  const panel = MC.el("aside", "mc-panel");
  panel.id = "mc-panel";
  main.appendChild(panel);

  // ---- zoom and pan, by moving the SVG's viewBox
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  const full = svg.viewBox.baseVal;
  const home = { x: full.x, y: full.y, w: full.width, h: full.height };
  let view = Object.assign({}, home);
  function apply() {
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  }
  function zoom(factor, cx, cy) {
    const w = Math.min(home.w * 4, Math.max(home.w / 200, view.w * factor));
    const f = w / view.w;
    view = { x: cx - (cx - view.x) * f, y: cy - (cy - view.y) * f, w: w, h: view.h * f };
    apply();
  }
  function toGraph(clientX, clientY) {
    const r = svg.getBoundingClientRect();
    // preserveAspectRatio xMidYMid meet: one scale, the picture centred
    const s = Math.max(view.w / r.width, view.h / r.height);
    return { x: view.x + view.w / 2 + (clientX - r.left - r.width / 2) * s,
             y: view.y + view.h / 2 + (clientY - r.top - r.height / 2) * s, s: s };
  }
  box.addEventListener("wheel", (e) => {
    e.preventDefault();
    const p = toGraph(e.clientX, e.clientY);
    zoom(Math.exp(e.deltaY * 0.0015), p.x, p.y);
  }, { passive: false });
  let drag = null;
  box.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, view: Object.assign({}, view), moved: false };
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const s = toGraph(0, 0).s;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.x = drag.view.x - dx * s;
    view.y = drag.view.y - dy * s;
    apply();
  });
  window.addEventListener("pointerup", () => {
    setTimeout(() => { drag = null; }, 0);
  });

  // ---- states
  const groups = new Map();
  for (const g of svg.querySelectorAll("g.node")) {
    const m = /^state(\d+)$/.exec(g.id);
    if (!m) continue;
    const id = Number(m[1]);
    groups.set(id, g);
    g.addEventListener("click", () => {
      if (!drag || !drag.moved) select(id, false);
    });
  }

  function centre(id) {
    const b = groups.get(id).getBBox();
    // graphviz puts everything in a <g transform="... translate(x y)">: from the node's
    // coordinates to the screen, then back to the viewBox's
    const p = svg.createSVGPoint();
    p.x = b.x + b.width / 2;
    p.y = b.y + b.height / 2;
    const q = p.matrixTransform(svg.getScreenCTM().inverse().multiply(groups.get(id).getScreenCTM()));
    // zoom in until the state takes about a quarter of the width, if it is smaller
    const r = svg.getBoundingClientRect();
    const w = Math.min(view.w, b.width * 4);
    const h = w * r.height / r.width;
    view = { x: q.x - w / 2, y: q.y - h / 2, w: w, h: h };
    apply();
  }

  function link(id, text) {
    const a = MC.el("a", "mc-link", text);
    a.href = "#";
    a.addEventListener("click", (e) => {
      e.preventDefault();
      select(id, true);
    });
    return a;
  }

  function select(id, move) {
    selected = id;
    for (const [i, g] of groups) g.classList.toggle("mc-current", i === id);
    if (move) centre(id);
    panel.scrollTop = 0;
    render();
  }

  function render() {
    const scrolled = panel.scrollTop;  // emptying the panel would scroll it to the top
    panel.textContent = "";
    if (selected === null) {
      panel.appendChild(MC.el("p", "mc-note", "Click a state to see it here."));
      return;
    }
    const n = nodes.get(selected);
    const head = MC.el("h2", "mc-state-head");
    head.id = "mc-state-head";
    head.textContent = "s" + n.id + " \u00b7 depth " + n.depth;
    panel.appendChild(head);
    const marks = [];
    if (n.initial) marks.push("initial");
    if (n.deadlock) marks.push("deadlock: no successor");
    if (n.outside) marks.push("outside the state constraint (not explored)");
    if (marks.length) panel.appendChild(MC.el("p", "mc-marks", marks.join(" \u00b7 ")));
    if (n.broken.length) panel.appendChild(MC.el("p", "mc-verdict", "\u2717 violates " + n.broken.join(", ")));
    panel.appendChild(MC.stateTree(n.state, null, open, (path, isOpen) => {
      open[path] = isOpen;
      render();
    }));
    for (const [title, side] of [["steps into it", "target"], ["steps out of it", "source"]]) {
      const edges = data.edges.filter((e) => e[side] === n.id);
      panel.appendChild(MC.el("h3", "", title + " (" + edges.length + ")"));
      const ul = MC.el("ul", "mc-edges");
      for (const e of edges) {
        const li = MC.el("li");
        if (side === "target") {
          li.appendChild(link(e.source, "s" + e.source));
          li.appendChild(document.createTextNode(" \u2192 " + e.call));
        } else {
          li.appendChild(document.createTextNode(e.call + " \u2192 "));
          li.appendChild(link(e.target, "s" + e.target));
        }
        ul.appendChild(li);
      }
      panel.appendChild(ul);
    }
    panel.scrollTop = scrolled;
  }

  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const step = view.w * 0.1;
    const c = { x: view.x + view.w / 2, y: view.y + view.h / 2 };
    const keys = {
      "+": () => zoom(1 / 1.25, c.x, c.y), "=": () => zoom(1 / 1.25, c.x, c.y), "-": () => zoom(1.25, c.x, c.y),
      "0": () => { view = Object.assign({}, home); apply(); },
      ArrowLeft: () => { view.x -= step; apply(); }, ArrowRight: () => { view.x += step; apply(); },
      ArrowUp: () => { view.y -= step; apply(); }, ArrowDown: () => { view.y += step; apply(); },
    };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
    }
  });

  apply();
  render();
})();
