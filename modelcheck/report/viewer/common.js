// What the trace and graph viewers share: ITF values as text and as a tree that opens on
// click, with the differences from a previous value marked. Values are ITF JSON:
// {"#bigint": "3"}, {"#set": [...]}, {"#map": [[k, v], ...]}, {"#tup": [...]}, arrays
// (sequences), objects (records), strings (model values when listed in modelValues).
"use strict";

const MC = {
  modelValues: new Set(),

  data() {
    return JSON.parse(document.getElementById("mc-data").textContent);
  },

  el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  },

  kind(v) {
    if (typeof v === "boolean") return "bool";
    if (typeof v === "number") return "int";
    if (typeof v === "string") return MC.modelValues.has(v) ? "mv" : "str";
    if (Array.isArray(v)) return "seq";
    if (v && typeof v === "object") {
      if ("#bigint" in v) return "int";
      if ("#set" in v) return "set";
      if ("#map" in v) return "map";
      if ("#tup" in v) return "tup";
      if ("#unserializable" in v) return "other";
      return "rec";
    }
    return "other";
  },

  // The value in the spec language's notation, as the text report writes it.
  text(v) {
    switch (MC.kind(v)) {
      case "bool": return v ? "true" : "false";
      case "int": return typeof v === "number" ? String(v) : v["#bigint"];
      case "mv": return v;
      case "str": return JSON.stringify(v);
      case "seq": return "<<" + v.map(MC.text).join(", ") + ">>";
      case "tup": return "<<" + v["#tup"].map(MC.text).join(", ") + ">>";
      case "set": return "{" + v["#set"].map(MC.text).join(", ") + "}";
      case "map": return "[" + v["#map"].map(([k, x]) => MC.text(k) + " -> " + MC.text(x)).join(", ") + "]";
      case "rec": return "{" + Object.keys(v).map((k) => k + ": " + MC.text(v[k])).join(", ") + "}";
      default: return v && v["#unserializable"] !== undefined ? String(v["#unserializable"]) : String(v);
    }
  },

  // The parts of a collection: [{key, label, value}], key identifying the part across states.
  parts(v) {
    switch (MC.kind(v)) {
      case "set": return v["#set"].map((x) => ({ key: JSON.stringify(x), label: null, value: x }));
      case "map": return v["#map"].map(([k, x]) => ({ key: JSON.stringify(k), label: MC.text(k), value: x }));
      case "tup": return v["#tup"].map((x, i) => ({ key: String(i), label: String(i + 1), value: x }));
      case "seq": return v.map((x, i) => ({ key: String(i), label: String(i + 1), value: x }));
      case "rec": return Object.keys(v).map((k) => ({ key: k, label: k, value: v[k] }));
      default: return null;
    }
  },

  same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  },

  // A tree of rows for `value`; `before` is the value in the previous state (undefined: no
  // comparison). `open` maps a path to whether the user opened (true) or closed (false) it;
  // by default a collection is open when something in it changed.
  tree(label, value, before, path, open, onToggle) {
    const compare = before !== undefined;
    const status = !compare ? "" : MC.same(value, before) ? "" : "changed";
    return MC.row(label, value, before, compare, status, path, open, onToggle, ": ");
  },

  row(label, value, before, compare, status, path, open, onToggle, sep) {
    const row = MC.el("div", "mc-row" + (status ? " mc-" + status : ""));
    row.dataset.path = path;
    const line = MC.el("div", "mc-line");
    row.appendChild(line);
    const parts = MC.parts(value);
    const beforeParts = compare && status === "changed" && before !== null && MC.kind(before) === MC.kind(value)
      ? MC.parts(before) : null;
    const expandable = parts !== null && parts.length > 0;
    const isOpen = expandable && (path in open ? open[path] : status === "changed" && beforeParts !== null);
    const toggle = MC.el("span", "mc-toggle", expandable ? (isOpen ? "\u25be" : "\u25b8") : "");
    line.appendChild(toggle);
    if (label !== null) line.appendChild(MC.el("span", "mc-name", label + sep));
    if (expandable) {
      line.classList.add("mc-expandable");
      line.addEventListener("click", () => onToggle(path, !isOpen));
    }
    const text = MC.text(value);
    if (isOpen) {
      line.appendChild(MC.el("span", "mc-summary", MC.describe(value, parts.length)));
    } else {
      const shown = MC.el("span", "mc-value mc-" + MC.kind(value), text);
      shown.title = text;
      line.appendChild(shown);
    }
    if (status === "changed" && (beforeParts === null || !isOpen) && before !== undefined && before !== null) {
      line.appendChild(MC.el("span", "mc-was", "was " + MC.text(before)));
    }
    if (isOpen) {
      const kids = MC.el("div", "mc-children");
      const old = new Map((beforeParts || []).map((p) => [p.key, p]));
      const keys = new Set();
      for (const p of parts) {
        keys.add(p.key);
        const prev = old.get(p.key);
        let st = "";
        if (beforeParts !== null) st = prev === undefined ? "added" : MC.same(prev.value, p.value) ? "" : "changed";
        kids.appendChild(MC.row(p.label, p.value, prev ? prev.value : null, beforeParts !== null, st,
          path + "/" + p.key, open, onToggle, MC.kind(value) === "map" ? " \u2192 " : ": "));
      }
      for (const p of beforeParts || []) {
        if (!keys.has(p.key)) {
          kids.appendChild(MC.row(p.label, p.value, undefined, false, "removed", path + "/-" + p.key, open,
            onToggle, MC.kind(value) === "map" ? " \u2192 " : ": "));
        }
      }
      row.appendChild(kids);
    }
    return row;
  },

  describe(value, n) {
    const [what, noun, plural] = {
      set: ["set", "element", "elements"], map: ["map", "entry", "entries"], tup: ["tuple", "component", "components"],
      seq: ["sequence", "element", "elements"], rec: ["record", "field", "fields"],
    }[MC.kind(value)];
    return what + ", " + n + " " + (n === 1 ? noun : plural);
  },

  // A record of variables (a whole state) as a tree; `before`: the previous state or null.
  stateTree(state, before, open, onToggle) {
    const box = MC.el("div", "mc-tree");
    for (const name of Object.keys(state)) {
      box.appendChild(MC.tree(name, state[name], before ? before[name] : undefined, name, open, onToggle));
    }
    return box;
  },
};
