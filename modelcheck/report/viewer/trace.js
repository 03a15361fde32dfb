// The trace viewer: the steps on the left, the state at the chosen step in the middle (what
// the step changed highlighted), the message sequence chart on the right with the step's box
// highlighted. Keys: j / k / arrows step, Home / End jump. A lasso (ITF `loop`) continues
// from the last state with state `loop`. The address ends in #state-N (N from 1), so that a
// link can point at a state.
"use strict";

(function () {
  const data = MC.data();
  const itf = data.trace;
  MC.modelValues = new Set((itf["#meta"] && itf["#meta"].modelValues) || []);
  const variables = itf.vars.filter((v) => !v.startsWith("mbt::"));
  const states = itf.states.map((s) => {
    const values = {};
    for (const v of variables) values[v] = s[v];
    return { values };
  });
  const last = states.length - 1;
  const loop = typeof itf.loop === "number" ? itf.loop : null;
  const open = {};      // path -> opened (true) or closed (false) by the user
  let current = 0;

  const main = document.getElementById("mc-main");
  const chart = document.getElementById("mc-chart");
  document.getElementById("mc-help").textContent =
    "j / \u2193 next step \u00b7 k / \u2191 previous \u00b7 Home / End \u00b7 click \u25b8 to open";

  // ---- the list of steps
  const list = MC.el("ol", "mc-steps");
  list.id = "mc-steps";
  const items = states.map((s, i) => {
    const li = MC.el("li", "mc-step");
    li.dataset.index = i;
    li.appendChild(MC.el("span", "mc-num", String(i)));  // the step's number, as in the chart
    li.appendChild(MC.el("span", "mc-call", data.steps[i]));
    if (i === last && data.verdict) {
      li.classList.add("mc-bad");
      li.appendChild(MC.el("div", "mc-verdict", "\u2717 " + data.verdict));
    }
    if (loop !== null && i >= loop) li.classList.add("mc-in-loop");
    li.addEventListener("click", () => show(i));
    list.appendChild(li);
    return li;
  });
  if (loop !== null) {
    const back = MC.el("li", "mc-step mc-loop-back");
    back.id = "mc-loop-back";
    back.appendChild(MC.el("span", "mc-num", "\u21a9"));
    back.appendChild(MC.el("span", "mc-call", "back to state " + (loop + 1)));
    back.addEventListener("click", () => show(loop));
    list.appendChild(back);
  }
  const left = MC.el("nav", "mc-left");
  left.appendChild(list);

  // ---- the state
  const middle = MC.el("section", "mc-state");
  middle.id = "mc-state";
  main.insertBefore(middle, main.firstChild);
  main.insertBefore(left, middle);

  function render() {
    const s = states[current];
    const scrolled = middle.scrollTop;  // emptying the panel would scroll it to the top
    middle.textContent = "";
    const head = MC.el("h2", "mc-state-head");
    head.id = "mc-state-head";
    head.appendChild(MC.el("span", "", "State " + (current + 1) + " of " + states.length
      + (current > 0 ? ", after step " + current : "")));
    head.appendChild(MC.el("span", "mc-call", data.steps[current]));
    middle.appendChild(head);
    if (current === last && data.verdict) middle.appendChild(MC.el("p", "mc-verdict", "\u2717 " + data.verdict));
    if (current === last && loop !== null) {
      middle.appendChild(MC.el("p", "mc-loop-note",
        "\u21a9 the behaviour goes on forever: the next state is state " + (loop + 1) + " again"));
    }
    const before = current > 0 ? states[current - 1].values : null;
    if (before !== null) {
      const changed = variables.filter((v) => !MC.same(before[v], s.values[v]));
      middle.appendChild(MC.el("p", "mc-changed-list",
        changed.length ? "changed: " + changed.join(", ") : "no variable changed"));
    }
    middle.appendChild(MC.stateTree(s.values, before, open, (path, isOpen) => {
      open[path] = isOpen;
      render();
    }));
    middle.scrollTop = scrolled;
  }

  function show(i) {
    current = Math.max(0, Math.min(last, i));
    items.forEach((li, j) => li.classList.toggle("mc-current", j === current));
    items[current].scrollIntoView({ block: "nearest" });
    render();
    syncChart();
    document.body.dataset.step = String(current);
    history.replaceState(null, "", "#state-" + (current + 1));
  }

  // ---- the chart: msc.py draws step i's box as <g id="step{i}">, i = the state it leads to
  const boxes = [];
  if (chart) {
    for (const g of chart.querySelectorAll("g.node")) {
      const m = /^step(\d+)$/.exec(g.id);
      if (m) {
        const i = Number(m[1]);
        boxes.push([i, g]);
        g.addEventListener("click", () => show(i));
      }
    }
  }
  function syncChart() {
    for (const [i, g] of boxes) {
      g.classList.toggle("mc-current", i === current);
      g.classList.toggle("mc-future", i > current);
      if (i === current) g.scrollIntoView({ block: "center", inline: "center" });
    }
  }

  function next() {
    show(current === last && loop !== null ? loop : current + 1);
  }

  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const keys = {
      j: next, ArrowDown: next, ArrowRight: next,
      k: () => show(current - 1), ArrowUp: () => show(current - 1), ArrowLeft: () => show(current - 1),
      Home: () => show(0), End: () => show(last),
    };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
    }
  });

  const linked = /^#state-(\d+)$/.exec(location.hash);
  show(linked ? Number(linked[1]) - 1 : 0);
})();
