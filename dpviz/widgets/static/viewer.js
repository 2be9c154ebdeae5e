// dpviz's graph viewer: a laid-out program that pans, zooms, follows the current step, and
// steps through a pass in the browser from frames the kernel sent once.
//
// The kernel (dpviz/widgets/viewer.py) sends one "scene": the SVG that Graphviz laid out,
// the looks (palette colours) of boxes and arrows, and per mode the state at step 0 plus one
// small diff per step (dpviz/widgets/frames.py). Stepping applies a diff to the SVG's DOM;
// jumping rebuilds the state from the nearest snapshot. Nothing here needs a kernel, so the
// same code runs as an anywidget view (the default export at the end) and in a plain page
// (dpviz's standalone HTML: mountStandalone). No dependencies, no build step.

const SNAPSHOT_EVERY = 32;          // steps between the states kept for fast jumps
const MIN_LEGIBLE = 0.75;           // the follow camera never zooms below this (labels stay >= 9 px)
const MARGIN = 28;                  // px kept between a followed box and the edge of the view
const MAX_VIEW_H = 560;             // the viewer's height limit, px
const MIN_VIEW_H = 220;
const SPEEDS = [1, 2, 5, 10, 30];   // steps per second offered by the play speed menu
const XLINK = "http://www.w3.org/1999/xlink";
let VIEW_COUNT = 0;

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "cls") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids) if (kid) el.append(kid);
  return el;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}

// ---- the state of one mode at one step -------------------------------------------------------------
class Track {
  constructor(frames) {
    this.f = frames;
    this.snaps = [];
    let st = { u: { ...frames.base.u }, e: { ...frames.base.e }, t: { ...frames.base.t } };
    this.snaps.push(copyState(st));
    for (let k = 1; k <= frames.n; k++) {
      applyDiff(st, frames.diffs[k - 1]);
      if (k % SNAPSHOT_EVERY === 0) this.snaps.push(copyState(st));
    }
  }
  stateAt(k) {
    const s = Math.floor(k / SNAPSHOT_EVERY);
    const st = copyState(this.snaps[s]);
    for (let j = s * SNAPSHOT_EVERY + 1; j <= k; j++) applyDiff(st, this.f.diffs[j - 1]);
    return st;
  }
}
function copyState(st) { return { u: { ...st.u }, e: { ...st.e }, t: { ...st.t } }; }
function applyDiff(st, d) {
  Object.assign(st.u, d.u); Object.assign(st.e, d.e); Object.assign(st.t, d.t);
}

// ---- numbers and small heatmaps for the node details ----------------------------------------------
function fmt(x) {
  if (typeof x === "string") return x;
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return x.toFixed(1).replace("-", "−");
  return String(Number(x.toPrecision(4))).replace("-", "−");
}
function arrayBlock(arr, label) {
  const box = h("div", { cls: "dpv-array" });
  box.append(h("div", { cls: "dpv-array-label", text: label }));
  if (!arr) { box.append(h("span", { cls: "dpv-faint", text: "not known yet" })); return box; }
  const shape = arr.shape, data = arr.data;
  const size = shape.reduce((a, b) => a * b, 1);
  if (data === null) {
    box.append(h("span", { cls: "dpv-faint", text: `shape (${shape.join(", ")}): ${size} numbers, too many to list` }));
    return box;
  }
  if (size <= 12) {
    const text = size === 1 && shape.length === 0 ? fmt(data[0]) : "[" + data.map(fmt).join(", ") + "]";
    box.append(h("code", { text: (shape.length > 1 ? `(${shape.join(", ")}) ` : "") + text }));
    return box;
  }
  const cols = shape.length >= 2 ? shape[shape.length - 1] : Math.min(size, 20);
  const rows = Math.ceil(size / cols);
  const cell = Math.max(4, Math.min(14, Math.floor(240 / Math.max(cols, 1))));
  const finite = data.filter(v => typeof v === "number");
  const big = Math.max(1e-12, ...finite.map(Math.abs));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", cols * cell); svg.setAttribute("height", rows * cell);
  svg.setAttribute("class", "dpv-heat");
  data.forEach((v, i) => {
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", (i % cols) * cell); r.setAttribute("y", Math.floor(i / cols) * cell);
    r.setAttribute("width", cell - 1); r.setAttribute("height", cell - 1);
    r.setAttribute("fill", heat(v, big));
    const t = document.createElementNS(ns, "title");
    t.textContent = `[${i}] ${fmt(v)}`;
    r.append(t);
    svg.append(r);
  });
  box.append(h("div", { cls: "dpv-faint", text: `shape (${shape.join(", ")}), min ${fmt(Math.min(...finite))}, max ${fmt(Math.max(...finite))} (hover a cell)` }));
  box.append(svg);
  return box;
}
function heat(v, big) {
  // blue for negative, orange for positive (Okabe-Ito), white at zero; red-brown for non-finite
  if (typeof v === "string") return "#7a1f00";
  const a = Math.min(1, Math.abs(v) / big);
  const [r, g, b] = v < 0 ? [0, 114, 178] : [230, 159, 0];
  const mix = (c) => Math.round(255 + (c - 255) * a);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

// ---- the viewer --------------------------------------------------------------------------------------
function mount(el, model) {
  const started = performance.now();
  const id = ++VIEW_COUNT;
  const reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const V = {
    scene: null, tracks: {}, mode: null, k: 0, shown: null, shownMode: null, shownK: -1,
    units: {}, edges: {}, texts: {}, boxes: {}, markerPrefix: "",
    s: 1, tx: 0, ty: 0, fitted: false, smooth: !reduced, follow: true,
    playing: false, timer: null, speed: 2, pinned: null, anchor: null, disposed: false,
  };

  // -- the frame of controls
  const root = h("div", { cls: "dpv-root", "data-dpviz": "stepper", tabindex: "0", "data-lm-suppress-shortcuts": "true" });
  const modeSel = h("select", { cls: "dpv-mode", "data-dpviz": "mode", title: "which pass to step through" });
  const btn = (name, label, title) => h("button", { cls: "dpv-btn", "data-dpviz": name, title, type: "button", text: label });
  const firstB = btn("first", "|◀ first", "back to step 0 (Home)");
  const prevB = btn("prev", "◀ prev", "previous step (←)");
  const playB = btn("play", "▶ play", "play the steps (space)");
  const nextB = btn("next", "next ▶", "next step (→)");
  const lastB = btn("last", "last ▶|", "the last step (End)");
  const slider = h("input", { type: "range", min: "0", max: "0", value: "0", step: "1", cls: "dpv-slider", "data-dpviz": "slider", title: "step" });
  const speedSel = h("select", { cls: "dpv-speed", title: "play speed" });
  for (const sp of SPEEDS) speedSel.append(h("option", { value: String(sp), text: `${sp} steps/s` }));
  const bar = h("div", { cls: "dpv-bar" }, modeSel, firstB, prevB, playB, nextB, lastB, slider, speedSel);
  const counter = h("div", { cls: "dpv-counter", "data-dpviz": "counter" });
  const stage = h("div", { cls: "dpv-stage" });
  const zoomOut = btn("zoom-out", "−", "zoom out");
  const zoomIn = btn("zoom-in", "+", "zoom in");
  const fitB = btn("fit", "fit", "show the whole program");
  const followBox = h("input", { type: "checkbox", checked: true, "data-dpviz": "follow" });
  const smoothBox = h("input", { type: "checkbox", checked: !reduced, "data-dpviz": "smooth" });
  const tools = h("div", { cls: "dpv-tools" }, zoomOut, zoomIn, fitB,
    h("label", { title: "keep the current node in view" }, followBox, " follow"),
    h("label", { title: "move the view smoothly" }, smoothBox, " smooth"));
  const hint = h("div", { cls: "dpv-hint", text: "drag to pan · click the graph, then scroll to zoom (or Ctrl+scroll, pinch)" });
  const view = h("div", { cls: "dpv-view", "data-dpviz": "view" }, stage, hint);
  const graph = h("div", { cls: "dpv-graph" }, tools, view);     // the tools above it, never over a node
  const panel = h("div", { cls: "dpv-panel", "data-dpviz": "panel" });   // not a <pre>: notebooks style those
  const details = h("div", { cls: "dpv-details", "data-dpviz": "details" });
  const side = h("div", { cls: "dpv-side" }, panel, details);
  const body = h("div", { cls: "dpv-body" }, graph, side);
  const legend = h("div", { cls: "dpv-legend" });
  root.append(bar, counter, body, legend);
  el.append(root);

  // -- the scene: SVG, index of its boxes, arrows and label lines
  function loadScene(text) {
    if (!text) return;
    const scene = JSON.parse(text);
    const keepView = V.scene !== null;
    const before = V.svg ? natural() : null;
    V.scene = scene;
    V.tracks = {};
    for (const m of scene.modes) V.tracks[m] = new Track(scene.frames[m]);
    V.mode = scene.modes.includes(model.get("mode")) ? model.get("mode") : scene.modes[0];
    // the modes this program allows, then those it does not, greyed out with the engine's reason
    const refused = Object.entries(scene.refused || {});
    modeSel.replaceChildren(
      ...scene.modes.map(m => h("option", { value: m, text: scene.mode_titles[m] })),
      ...refused.map(([m, why]) => h("option", { value: m, disabled: true, title: why,
                                                 text: `${scene.mode_titles[m]}: not possible here` })));
    modeSel.value = V.mode;
    modeSel.style.display = scene.modes.length + refused.length > 1 ? "" : "none";
    modeSel.title = refused.length ? refused.map(([m, why]) => `${scene.mode_titles[m]}: ${why}`).join("\n")
                                   : "which pass to step through";
    const stepping = scene.frames[V.mode].n > 0;
    for (const b of [firstB, prevB, playB, nextB, lastB, slider, speedSel]) b.style.display = stepping ? "" : "none";
    counter.style.display = stepping ? "" : "none";
    panel.style.display = stepping ? "" : "none";
    stage.innerHTML = scene.svg;
    V.cull = null;
    const svg = stage.querySelector("svg");
    V.svg = svg;
    V.graphMatrix = null;
    const vb = svg.viewBox.baseVal;
    V.nat = { w: svg.width.baseVal.value, h: svg.height.baseVal.value };
    V.vb0 = vb && vb.width ? { x: vb.x, y: vb.y, w: vb.width, h: vb.height } : { x: 0, y: 0, w: V.nat.w, h: V.nat.h };
    svg.setAttribute("width", "100%"); svg.setAttribute("height", "100%");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    if (V.applied) setCamera(V.applied); else setCamera({ s: 1, tx: 0, ty: 0 });
    // marker ids unique to this view, in case the same widget is shown twice on one page
    const old = svg.getAttribute("data-dp-markers") || "";
    V.markerPrefix = `dpv${id}-`;
    for (const m of svg.querySelectorAll("marker")) m.id = V.markerPrefix + m.id.slice(old.length);
    for (const p of svg.querySelectorAll("[marker-start]")) {
      p.setAttribute("marker-start", p.getAttribute("marker-start").replace("#" + old, "#" + V.markerPrefix));
    }
    V.units = {}; V.edges = {}; V.texts = {}; V.boxes = {};
    for (const g of svg.querySelectorAll("g.node[data-dp-unit]")) {
      const u = g.getAttribute("data-dp-unit");
      const shapes = [...g.querySelectorAll("path, polygon, ellipse, polyline")];
      V.units[u] = { g, shapes };
      for (const t of g.querySelectorAll("text[data-dp-line]")) V.texts[`${u}|${t.getAttribute("data-dp-line")}`] = t;
      g.addEventListener("pointerenter", () => { if (!V.pinned) showDetails(u); });
      g.style.cursor = scene.groups && scene.groups[u] ? "zoom-in" : "pointer";
    }
    for (const g of svg.querySelectorAll("g.edge[data-dp-edge]")) {
      V.edges[g.getAttribute("data-dp-edge")] = {
        g, lines: [...g.querySelectorAll("path")], heads: [...g.querySelectorAll("polygon, ellipse, polyline")] };
    }
    // every box, arrow and cluster, measured once the page has laid them out (see measure)
    V.cull = [...Object.values(V.units), ...Object.values(V.edges),
              ...[...svg.querySelectorAll("g.cluster")].map(g => ({ g }))];
    for (const item of V.cull) { item.shown = true; item.box = null; }
    V.measured = false;
    if (V.applied) setCamera(V.applied);
    for (const c of svg.querySelectorAll("g.cluster")) {
      const a = c.querySelector("a");
      const scope = a && (a.getAttributeNS(XLINK, "title") || a.getAttribute("xlink:title") || a.getAttribute("title"));
      const label = c.querySelector("text");
      if (scope && label && scene.foldable) {
        label.style.cursor = "zoom-out";
        label.setAttribute("data-dp-scope", scope);
        const t = document.createElementNS("http://www.w3.org/2000/svg", "title");
        t.textContent = `click to fold scope ${scope} into one box`;
        label.append(t);
      }
    }
    legend.innerHTML = scene.legend[V.mode] || "";
    V.pinned = null; V.hovered = null;            // the details of the old picture no longer hold
    details.classList.remove("dpv-pinned");
    details.replaceChildren(h("div", { cls: "dpv-faint", text: "Hover over a node for its details; click it to keep them here." }));
    if (scene.speed) {
      V.speed = scene.speed;
      const near = SPEEDS.reduce((a, b) => (Math.abs(b - V.speed) < Math.abs(a - V.speed) ? b : a));
      speedSel.value = String(near); V.speed = near;
    }
    V.shown = null; V.shownK = -1;
    V.k = clampStep(model.get("step"));
    draw(V.k, true);
    const after = natural();
    if (keepView && V.anchor) placeAnchor();
    else if (keepView && before && Math.abs(after.w - before.w) < 0.2 * before.w &&
             Math.abs(after.h - before.h) < 0.2 * before.h) applyTransform(false);   // a redraw of much the same picture: the view stays
    else { V.fitted = false; initialView(); }
  }

  function frames() { return V.scene.frames[V.mode]; }
  function clampStep(k) { return Math.max(0, Math.min(frames().n, k | 0)); }

  // -- looks on the DOM (the same attributes dpviz's Python SvgTemplate.fill writes)
  function setUnit(u, key) {
    const el = V.units[u]; const look = V.scene.looks[key];
    if (!el || !look) return;
    const [cls, fill, stroke, width, dash] = look;
    el.g.setAttribute("class", "node " + cls);
    el.shapes.forEach((sh, i) => paint(sh, i === 0 ? fill : "none", stroke, width, dash));
    if (key.startsWith("current")) el.g.setAttribute("data-dpviz-current", "");
    else el.g.removeAttribute("data-dpviz-current");
  }
  function setEdge(eid, key) {
    const el = V.edges[eid]; const look = V.scene.edge_looks[key];
    if (!el || !look) return;
    const [cls, fill, stroke, width, dash, reverse] = look;
    el.g.setAttribute("class", "edge " + cls);
    for (const p of el.lines) {
      paint(p, "none", stroke, width, dash);
      if (reverse) p.setAttribute("marker-start", `url(#${V.markerPrefix}${stroke.replace("#", "").toLowerCase()})`);
      else p.removeAttribute("marker-start");
    }
    for (const p of el.heads) {
      if (reverse) { p.setAttribute("fill", "none"); p.setAttribute("stroke", "none"); }
      else paint(p, fill, stroke, width, "");
    }
  }
  function paint(sh, fill, stroke, width, dash) {
    sh.setAttribute("fill", fill); sh.setAttribute("stroke", stroke); sh.setAttribute("stroke-width", width);
    if (dash) sh.setAttribute("stroke-dasharray", dash); else sh.removeAttribute("stroke-dasharray");
  }
  function setText(slot, val) {
    const t = V.texts[slot];
    if (!t) return;
    t.textContent = val[0]; t.setAttribute("fill", val[1]);
  }

  function draw(k, full) {
    const f = frames();
    if (!full && V.shown && V.shownMode === V.mode && k === V.shownK + 1) {
      const d = f.diffs[k - 1];                       // one step on: apply its diff
      for (const [u, key] of Object.entries(d.u)) { setUnit(u, key); V.shown.u[u] = key; }
      for (const [e, key] of Object.entries(d.e)) { setEdge(e, key); V.shown.e[e] = key; }
      for (const [t, val] of Object.entries(d.t)) { setText(t, val); V.shown.t[t] = val; }
    } else {                                          // a jump: only what differs from the screen
      const st = V.tracks[V.mode].stateAt(k);
      const shown = V.shown || { u: {}, e: {}, t: {} };
      for (const [u, key] of Object.entries(st.u)) if (shown.u[u] !== key) setUnit(u, key);
      for (const [e, key] of Object.entries(st.e)) if (shown.e[e] !== key) setEdge(e, key);
      for (const [t, val] of Object.entries(st.t)) {
        const was = shown.t[t];
        if (!was || was[0] !== val[0] || was[1] !== val[1]) setText(t, val);
      }
      V.shown = st;
    }
    V.shownK = k; V.shownMode = V.mode; V.k = k;
    counter.textContent = f.counter[k];
    panel.textContent = f.panel[k];
    slider.max = String(f.n); slider.value = String(k);
    firstB.disabled = prevB.disabled = k === 0;
    nextB.disabled = lastB.disabled = k === f.n;
    if (V.pinned || V.hovered) showDetails(V.pinned || V.hovered);
  }

  // -- moving through the steps (from the controls, the keyboard, or the kernel)
  function go(k, fromKernel) {
    k = clampStep(k);
    if (k === V.k && V.shownMode === V.mode) return;
    draw(k, false);
    if (V.follow) followCamera();
    if (!fromKernel) { model.set("step", k); model.save_changes(); }
  }
  function setMode(m, fromKernel) {
    if (!V.scene.modes.includes(m) || m === V.mode) return;
    pause();
    V.mode = m; modeSel.value = m;
    legend.innerHTML = V.scene.legend[m] || "";
    const k = clampStep(V.k);
    draw(k, true);
    if (V.follow) followCamera();
    if (!fromKernel) { model.set("mode", m); model.set("step", k); model.save_changes(); }
  }
  function play() {
    if (V.playing) return;
    if (V.k >= frames().n) go(0);
    V.playing = true; playB.textContent = "⏸ pause"; playB.title = "pause (space)";
    const tick = () => {
      if (!V.playing || V.disposed) return;
      if (V.k >= frames().n) { pause(); return; }
      go(V.k + 1);
      V.timer = setTimeout(tick, 1000 / V.speed);
    };
    V.timer = setTimeout(tick, 1000 / V.speed);
  }
  function pause() {
    V.playing = false; clearTimeout(V.timer);
    playB.textContent = "▶ play"; playB.title = "play the steps (space)";
  }
  firstB.addEventListener("click", () => { pause(); go(0); });
  prevB.addEventListener("click", () => { pause(); go(V.k - 1); });
  nextB.addEventListener("click", () => { pause(); go(V.k + 1); });
  lastB.addEventListener("click", () => { pause(); go(frames().n); });
  playB.addEventListener("click", () => (V.playing ? pause() : play()));
  slider.addEventListener("input", () => { pause(); go(Number(slider.value)); });
  speedSel.addEventListener("change", () => { V.speed = Number(speedSel.value); });
  modeSel.addEventListener("change", () => setMode(modeSel.value));
  root.addEventListener("keydown", (e) => {
    const tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || !V.scene || frames().n === 0) return;
    const keys = { ArrowRight: () => go(V.k + 1), ArrowLeft: () => go(V.k - 1), Home: () => go(0),
                   End: () => go(frames().n), " ": () => (V.playing ? pause() : play()) };
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault(); e.stopPropagation();
    if (e.key !== " ") pause();
    act();
  });

  // -- the camera: pan, zoom, fit, follow
  // The camera is the SVG's viewBox: the SVG is as big as the view, so a step repaints at most
  // the view, however large the program (a CSS transform of the full-size SVG repainted all of it).
  // V.s, V.tx, V.ty say where the camera goes: a point p of the picture (its px at scale 1) is
  // shown at tx + s * p in the view; V.applied is where it is now, on the way there.
  function setCamera(c) {
    V.applied = c;
    const { w, h: vh } = viewSize();
    const k = V.nat.w / V.vb0.w;                     // px per SVG user unit at scale 1
    if (!w || !vh || !k) return;
    const vb = [V.vb0.x - c.tx / c.s / k, V.vb0.y - c.ty / c.s / k, w / c.s / k, vh / c.s / k];
    V.svg.setAttribute("viewBox", vb.join(" "));
    view.setAttribute("data-dpviz-camera", `${c.s.toFixed(3)} ${c.tx.toFixed(1)} ${c.ty.toFixed(1)}`);
    cull(vb);
  }
  function measure() {
    // Sizes exist only once the SVG is on the page and laid out (a notebook renders the widget
    // before attaching it), and a box taken out of the page measures 0: so measure everything
    // once, before anything is culled.
    if (V.measured) return true;
    if (!V.svg || !V.svg.isConnected || !view.clientWidth || !V.cull) return false;
    for (const item of V.cull) { item.box = null; userBox(item); }
    V.boxes = {};
    V.measured = true;
    return true;
  }
  function cull(vb) {
    // Take what lies well outside the view out of the page: the browser then lays out and paints
    // only what can be seen, which keeps a step cheap on a program of hundreds of nodes.
    if (!V.cull || !V.cull.length || !measure()) return;
    const mx = vb[2] * 0.5, my = vb[3] * 0.5;          // half a view of margin on every side
    const x0 = vb[0] - mx, y0 = vb[1] - my, x1 = vb[0] + vb[2] + mx, y1 = vb[1] + vb[3] + my;
    for (const item of V.cull) {
      const [bx0, by0, bx1, by1] = userBox(item);
      const inside = bx1 >= x0 && bx0 <= x1 && by1 >= y0 && by0 <= y1;
      if (inside !== item.shown) {
        item.shown = inside;
        item.g.style.display = inside ? "" : "none";
      }
    }
  }
  function applyTransform(animate) {
    const target = { s: V.s, tx: V.tx, ty: V.ty };
    cancelAnimationFrame(V.tween);
    const ms = animate && V.smooth ? Math.min(320, 800 / V.speed) : 0;
    if (!ms || !V.applied) { setCamera(target); return; }
    const from = { ...V.applied }, t0 = performance.now();
    const frame = (now) => {
      const f = Math.min(1, (now - t0) / ms), e = 1 - Math.pow(1 - f, 3);     // ease out
      setCamera({ s: from.s + (target.s - from.s) * e, tx: from.tx + (target.tx - from.tx) * e,
                  ty: from.ty + (target.ty - from.ty) * e });
      if (f < 1) V.tween = requestAnimationFrame(frame);
    };
    V.tween = requestAnimationFrame(frame);
  }
  function natural() { return V.nat; }
  function viewSize() {
    // read from the page only when it may have changed (reading it forces a layout)
    if (!V.size) V.size = { w: view.clientWidth, h: view.clientHeight };
    return V.size;
  }
  function userBox(item) {
    // a box or arrow in the SVG's user units, measured once (the layout never changes)
    if (!item.box) {
      if (!V.graphMatrix) {
        const g0 = V.svg.querySelector("g.graph");
        const t = g0 && g0.transform.baseVal.consolidate();
        V.graphMatrix = t ? t.matrix : { a: 1, d: 1, e: 0, f: 0 };
      }
      const m = V.graphMatrix, b = item.g.getBBox();
      item.box = [m.a * b.x + m.e, m.d * b.y + m.f, m.a * (b.x + b.width) + m.e, m.d * (b.y + b.height) + m.f];
    }
    return item.box;
  }
  function box(u) {
    // in the picture's px at scale 1
    if (V.boxes[u]) return V.boxes[u];
    const el = V.units[u];
    if (!el || !measure()) return null;
    const k = V.nat.w / V.vb0.w;
    const [x0, y0, x1, y1] = userBox(el);
    return (V.boxes[u] = { x: (x0 - V.vb0.x) * k, y: (y0 - V.vb0.y) * k, w: (x1 - x0) * k, h: (y1 - y0) * k });
  }
  function union(units) {
    let out = null;
    for (const u of units) {
      const b = box(u);
      if (!b) continue;
      if (!out) { out = { ...b }; continue; }
      const x2 = Math.max(out.x + out.w, b.x + b.w), y2 = Math.max(out.y + out.h, b.y + b.h);
      out.x = Math.min(out.x, b.x); out.y = Math.min(out.y, b.y); out.w = x2 - out.x; out.h = y2 - out.y;
    }
    return out;
  }
  function visible(b, s, tx, ty) {
    const { w, h: vh } = viewSize();
    return b.x * s + tx >= MARGIN * 0.5 && b.y * s + ty >= MARGIN * 0.5 &&
           (b.x + b.w) * s + tx <= w - MARGIN * 0.5 && (b.y + b.h) * s + ty <= vh - MARGIN * 0.5;
  }
  function centreOn(b, s) {
    const { w, h: vh } = viewSize();
    V.s = s; V.tx = w / 2 - (b.x + b.w / 2) * s; V.ty = vh / 2 - (b.y + b.h / 2) * s;
    clampToPicture();
  }
  function clampToPicture() {
    // no blank band where the picture could fill the view: a picture smaller than the view is
    // centred, a larger one never leaves its edge more than a few px inside the view
    const { w, h: vh } = viewSize();
    const W = V.nat.w * V.s, H = V.nat.h * V.s;
    V.tx = W <= w ? (w - W) / 2 : Math.min(8, Math.max(w - W - 8, V.tx));
    V.ty = H <= vh ? (vh - H) / 2 : Math.min(8, Math.max(vh - H - 8, V.ty));
  }
  function keepInside(b) {
    // move the view just enough that box b lies inside its margins
    const { w, h: vh } = viewSize();
    const m = Math.min(MARGIN, Math.max(0, (w - b.w * V.s) / 2), Math.max(0, (vh - b.h * V.s) / 2));
    if (b.x * V.s + V.tx < m) V.tx = m - b.x * V.s;
    if ((b.x + b.w) * V.s + V.tx > w - m) V.tx = w - m - (b.x + b.w) * V.s;
    if (b.y * V.s + V.ty < m) V.ty = m - b.y * V.s;
    if ((b.y + b.h) * V.s + V.ty > vh - m) V.ty = vh - m - (b.y + b.h) * V.s;
  }
  function followCamera() {
    const focus = frames().focus[V.k];
    if (!focus || !focus.length) return;
    let b = union(focus);
    const cur = box(focus[0]);
    if (!b || !cur) return;
    if (visible(b, V.s, V.tx, V.ty)) return;
    const { w, h: vh } = viewSize();
    let s = Math.min(V.s, (w - 2 * MARGIN) / b.w, (vh - 2 * MARGIN) / b.h);
    if (s < MIN_LEGIBLE) {
      // what it reads is too far away to show at a legible size: keep the current node, on the side
      // of the view that faces what it reads (its arrows then run off the view towards it)
      s = Math.max(Math.min(V.s, MIN_LEGIBLE), Math.min(V.s, (w - 2 * MARGIN) / cur.w, (vh - 2 * MARGIN) / cur.h));
    }
    centreOn(b, s);
    keepInside(cur);
    applyTransform(true);
  }
  function fitAll(animate) {
    const n = natural(), { w, h: vh } = viewSize();
    const s = Math.min(1, (w - 16) / n.w, (vh - 16) / n.h);
    V.s = s; V.tx = (w - n.w * s) / 2; V.ty = (vh - n.h * s) / 2;
    applyTransform(animate);
  }
  function initialView() {
    if (!V.svg || V.fitted) return;
    const n = natural();
    const w = view.clientWidth;
    if (!w) return;                   // not on the page yet: the resize observer calls again
    const fitW = Math.min(1, (w - 16) / n.w);
    const s0 = fitW >= MIN_LEGIBLE ? fitW : 1;
    view.style.height = Math.round(Math.max(MIN_VIEW_H, Math.min(MAX_VIEW_H, n.h * s0 + 24))) + "px";
    // the side panel scrolls rather than grow past the view: the widget keeps its height from step to step
    side.style.maxHeight = `calc(${view.style.height} + 30px)`;
    V.size = null;
    V.fitted = true;
    const whole = Math.min(1, (w - 16) / n.w, (view.clientHeight - 16) / n.h);
    if (whole >= MIN_LEGIBLE) { fitAll(false); return; }
    V.s = 1; V.tx = 8; V.ty = 8;
    const f = frames();
    const focus = f.focus[V.k] && f.focus[V.k].length ? f.focus[V.k] : (f.n ? f.focus[1] : []);
    const b = union(focus);
    if (b) centreOn(b, 1); else clampToPicture();
    applyTransform(false);
  }
  function zoomAt(factor, cx, cy) {
    const s = Math.max(0.08, Math.min(4, V.s * factor));
    V.tx = cx - (cx - V.tx) * (s / V.s); V.ty = cy - (cy - V.ty) * (s / V.s); V.s = s;
    applyTransform(false);
  }
  zoomIn.addEventListener("click", () => { const { w, h: vh } = viewSize(); zoomAt(1.25, w / 2, vh / 2); });
  zoomOut.addEventListener("click", () => { const { w, h: vh } = viewSize(); zoomAt(0.8, w / 2, vh / 2); });
  fitB.addEventListener("click", () => fitAll(true));
  followBox.addEventListener("change", () => { V.follow = followBox.checked; if (V.follow) followCamera(); });
  smoothBox.addEventListener("change", () => { V.smooth = smoothBox.checked; });
  view.addEventListener("wheel", (e) => {
    const active = root.contains(document.activeElement) || e.ctrlKey || e.metaKey;
    if (!active) { hint.classList.add("dpv-hint-show"); clearTimeout(V.hintTimer);
                   V.hintTimer = setTimeout(() => hint.classList.remove("dpv-hint-show"), 1500); return; }
    e.preventDefault();
    const r = view.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  // drag to pan, two fingers to pinch; a press that does not move is a click on what is under it
  const pointers = new Map();
  let drag = null;
  view.addEventListener("pointerdown", (e) => {
    if (e.target.closest(".dpv-tools")) return;
    root.focus({ preventScroll: true });
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    view.setPointerCapture(e.pointerId);
    drag = { x: e.clientX, y: e.clientY, tx: V.tx, ty: V.ty, moved: false, target: e.target,
             dist: pointers.size === 2 ? pinchDistance() : 0, s: V.s };
  });
  function pinchDistance() {
    const [a, b] = [...pointers.values()];
    return Math.hypot(a.x - b.x, a.y - b.y);
  }
  view.addEventListener("pointermove", (e) => {
    if (!drag || !pointers.has(e.pointerId)) return;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 2 && drag.dist) {
      const r = view.getBoundingClientRect();
      const [a, b] = [...pointers.values()];
      zoomAt(pinchDistance() / drag.dist * drag.s / V.s, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top);
      drag.moved = true;
      return;
    }
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
    if (drag.moved) { V.tx = drag.tx + dx; V.ty = drag.ty + dy; applyTransform(false); view.classList.add("dpv-dragging"); }
  });
  const release = (e) => {
    pointers.delete(e.pointerId);
    view.classList.remove("dpv-dragging");
    if (!drag) return;
    const d = drag; drag = null;
    if (!d.moved && e.type === "pointerup") clickAt(d.target, e);
  };
  view.addEventListener("pointerup", release);
  view.addEventListener("pointercancel", release);
  view.addEventListener("pointerleave", () => { if (!V.pinned) { V.hovered = null; } });

  function clickAt(target, e) {
    const scopeEl = target.closest && target.closest("[data-dp-scope]");
    if (scopeEl) { toggleScope({ event: "fold", scope: scopeEl.getAttribute("data-dp-scope") }, scopeEl); return; }
    const g = target.closest && target.closest("g.node[data-dp-unit]");
    if (!g) { V.pinned = null; details.classList.remove("dpv-pinned"); return; }
    const u = g.getAttribute("data-dp-unit");
    if (V.scene.groups && V.scene.groups[u] && V.scene.foldable) { toggleScope({ event: "expand", unit: u }, g); return; }
    V.pinned = V.pinned === u ? null : u;
    details.classList.toggle("dpv-pinned", V.pinned !== null);
    showDetails(u);
  }
  function toggleScope(msg, elem) {
    if (!model.live) {
      details.replaceChildren(h("div", { cls: "dpv-faint", text: "Expanding or folding a scope lays the program out again, which needs a running kernel." }));
      return;
    }
    const r = elem.getBoundingClientRect(), vr = view.getBoundingClientRect();
    V.anchor = { x: r.left + r.width / 2 - vr.left, y: r.top + r.height / 2 - vr.top };
    details.replaceChildren(h("div", { cls: "dpv-faint", text: "laying the program out again…" }));
    model.send(msg);
  }
  function placeAnchor() {
    // after a scope expanded or folded: put what it became where the click was, at the same zoom
    const target = V.scene.anchor ? union(V.scene.anchor) : null;
    const a = V.anchor; V.anchor = null;
    if (!target) { fitAll(false); return; }
    V.tx = a.x - (target.x + target.w / 2) * V.s; V.ty = a.y - (target.y + target.h / 2) * V.s;
    applyTransform(false);
    details.replaceChildren();
  }

  // -- node details (hover, or click to pin)
  function showDetails(u) {
    V.hovered = u;
    const info = V.scene.nodes[u] || (V.scene.groups && V.scene.groups[u]);
    if (!info) return;
    const out = [h("div", { cls: "dpv-details-title" }, h("b", { text: info.title }),
                   info.op ? h("span", { text: ` · ${info.op}` }) : null,
                   info.shape ? h("span", { cls: "dpv-faint", text: ` · shape (${info.shape.join(", ")})${info.dtype ? " " + info.dtype : ""}` }) : null)];
    if (info.members !== undefined) {
      out.push(h("div", { text: info.summary }));
      out.push(h("div", { cls: "dpv-faint", text: V.scene.foldable ? "click the box to expand this scope" : "" }));
      details.replaceChildren(...out);
      return;
    }
    if (info.inputs && info.inputs.length) out.push(h("div", { text: "reads: " + info.inputs.join(", ") }));
    if (info.outputs && info.outputs.length) out.push(h("div", { text: "read by: " + info.outputs.join(", ") }));
    for (const rule of info.rules || []) out.push(h("div", { cls: "dpv-rule", text: rule }));
    const k = V.k;
    const valueKnown = info.value_at !== undefined && info.value_at[V.mode] <= k;
    out.push(arrayBlock(valueKnown ? info.value : null, "value"));
    const series = (V.mode === "jvp" ? info.tangents : info.grads) || {};
    const entries = series[V.mode] || [];
    let now = null;
    for (const [step, arr] of entries) if (step <= k) now = arr;
    if (entries.length) out.push(arrayBlock(now, V.mode === "jvp" ? "tangent now" : "adjoint (grad) now"));
    details.replaceChildren(...out);
  }

  // -- the kernel's side
  const onScene = () => loadScene(model.get("scene"));
  const onStep = () => { if (V.scene) { pause(); go(model.get("step"), true); } };
  const onMode = () => { if (V.scene) setMode(model.get("mode"), true); };
  const onMsg = (msg) => {
    if (msg && msg.kind === "note") { V.anchor = null; details.replaceChildren(h("div", { text: msg.text })); }
  };
  model.on("change:scene", onScene);
  model.on("msg:custom", onMsg);
  model.on("change:step", onStep);
  model.on("change:mode", onMode);
  const ro = typeof ResizeObserver !== "undefined"
    ? new ResizeObserver(() => { V.size = null; initialView(); if (V.applied) setCamera(V.applied); }) : null;
  if (ro) ro.observe(view);
  loadScene(model.get("scene"));
  requestAnimationFrame(() => initialView());
  root.setAttribute("data-dpviz-mount-ms", (performance.now() - started).toFixed(1));   // for benchmarks
  return () => {
    V.disposed = true; pause();
    if (ro) ro.disconnect();
    model.off("change:scene", onScene); model.off("change:step", onStep); model.off("change:mode", onMode); model.off("msg:custom", onMsg);
  };
}

// ---- without a kernel: a page that holds the scene as JSON -------------------------------------------
function standaloneModel(state) {
  const handlers = {};
  return {
    live: false,
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; },
    save_changes: () => {},
    send: () => {},
    on: (ev, fn) => { (handlers[ev] = handlers[ev] || []).push(fn); },
    off: (ev, fn) => { handlers[ev] = (handlers[ev] || []).filter(f => f !== fn); },
  };
}
function mountStandalone(holder) {
  if (holder.hasAttribute("data-dpviz-mounted")) return;
  holder.setAttribute("data-dpviz-mounted", "");
  const data = holder.querySelector("script.dpv-scene");
  const state = JSON.parse(data.textContent);
  const stat = holder.querySelector(".dpv-static");
  if (stat) stat.remove();
  mount(holder, standaloneModel(state));
}
// --- anywidget entry (the standalone page leaves out everything from here) ---
function liveModel(model) {
  // anywidget's model, plus the one thing the viewer asks that it lacks: is a kernel there?
  return { live: true, get: (k) => model.get(k), set: (k, v) => model.set(k, v),
           save_changes: () => model.save_changes(), send: (m) => model.send(m),
           on: (e, f) => model.on(e, f), off: (e, f) => model.off(e, f) };
}
export default { render({ model, el }) { return mount(el, liveModel(model)); } };
