// WebGL scatterplot for Streamlit (components v1 protocol, no build step, no network).
// Data arrive as binary args: xy (float32 pairs), codes (uint16 colour codes, 65535 = noise).
// Pan, zoom, hover and highlighting run here only; a lasso/box selection is sent back to Python.
(function () {
  "use strict";
  const NOISE = 65535;
  const plot = document.getElementById("plot");
  const overlay = document.getElementById("overlay");
  const tip = document.getElementById("tip");
  const legend = document.getElementById("legend");
  const status = document.getElementById("status");
  const gl = plot.getContext("webgl", { antialias: false, preserveDrawingBuffer: true, alpha: false });
  const octx = overlay.getContext("2d");

  const PREVIEW = 150000; // points drawn while panning or zooming
  let permutation = null; // GPU order -> row, for large data
  let moving = false; // true while the view changes
  let restTimer = null;
  let state = null; // current data and view
  let mode = "pan";
  let lastDataId = null;
  let selected = null; // Uint8Array mask or null
  let highlight = -1; // legend code highlighted, -1 none
  let channel = null; // BroadcastChannel shared by linked panels (small multiples)
  let peerRow = -1; // row hovered in a linked panel
  let dragPath = null; // lasso or box being drawn (screen coordinates)
  const me = Math.random().toString(36).slice(2);

  function send(type, extra) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra || {}), "*");
  }
  // the component's value back to Python: {kind: "select" | "filter" | "click", ..., nonce}
  function reply(value) {
    send("streamlit:setComponentValue", { value: Object.assign({ nonce: Date.now() + Math.random() }, value), dataType: "json" });
  }

  // ---------------------------------------------------------------- WebGL program
  const PALETTE_WIDTH = 256; // texels per palette row (65,535 codes fit in 256 rows)
  const LEGEND_MAX = 300; // legend entries listed; the rest are counted on a last line
  const vertexSource = `
    attribute vec2 position; attribute float code; attribute float chosen; attribute float kept;
    uniform vec2 scale; uniform vec2 offset; uniform float pointSize; uniform float pass; uniform float highlight;
    uniform float anySelected; uniform float anyFiltered; uniform sampler2D palette; uniform float paletteSize; uniform float paletteRows;
    varying vec4 colour;
    void main() {
      bool noise = code > 65534.0;
      bool wanted = ((pass < 0.5) ? noise : !noise) && (anyFiltered < 0.5 || kept > 0.5);
      vec2 p = (position * scale + offset);
      gl_Position = wanted ? vec4(p, 0.0, 1.0) : vec4(2.0, 2.0, 2.0, 1.0);
      float dimmed = 0.0;
      if (highlight >= 0.0 && abs(code - highlight) > 0.5) dimmed = 1.0;
      if (anySelected > 0.5 && chosen < 0.5) dimmed = 1.0;
      // the palette is PALETTE_WIDTH texels wide and as many rows as it needs: one row of 10,000 texels is
      // over many GPUs' texture size limit and used to draw every point black
      float index = mod(code, paletteSize);
      float column = mod(index, ${PALETTE_WIDTH}.0);
      float row = floor(index / ${PALETTE_WIDTH}.0);
      vec3 base = noise ? vec3(0.72, 0.72, 0.74)
                        : texture2D(palette, vec2((column + 0.5) / ${PALETTE_WIDTH}.0, (row + 0.5) / paletteRows)).rgb;
      colour = vec4(mix(base, vec3(0.92, 0.92, 0.93), dimmed * 0.8), 1.0);
      gl_PointSize = pointSize * ((chosen > 0.5 || (highlight >= 0.0 && dimmed < 0.5)) ? 1.6 : 1.0);
    }`;
  const fragmentSource = `
    precision mediump float; varying vec4 colour;
    void main() {
      vec2 d = gl_PointCoord - vec2(0.5);
      if (dot(d, d) > 0.25) discard;
      gl_FragColor = colour;
    }`;

  function compile(type, source) {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader));
    return shader;
  }
  const program = gl.createProgram();
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vertexSource));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(program);
  gl.useProgram(program);
  const loc = {};
  ["position", "code", "chosen", "kept"].forEach((n) => (loc[n] = gl.getAttribLocation(program, n)));
  ["scale", "offset", "pointSize", "pass", "highlight", "anySelected", "anyFiltered", "palette", "paletteSize",
    "paletteRows"].forEach(
    (n) => (loc[n] = gl.getUniformLocation(program, n)));
  const buffers = { position: gl.createBuffer(), code: gl.createBuffer(), chosen: gl.createBuffer(), kept: gl.createBuffer() };
  const paletteTexture = gl.createTexture();
  let paletteRows = 1;

  function hexToRgb(hex) {
    const v = parseInt(hex.replace("#", ""), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }

  function uploadPalette(colours) {
    const size = Math.max(1, colours.length);
    const rows = Math.ceil(size / PALETTE_WIDTH);
    const pixels = new Uint8Array(PALETTE_WIDTH * rows * 4);
    colours.forEach((c, i) => { const [r, g, b] = hexToRgb(c); pixels.set([r, g, b, 255], i * 4); });
    paletteRows = rows;
    gl.bindTexture(gl.TEXTURE_2D, paletteTexture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, PALETTE_WIDTH, rows, 0, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    return size;
  }

  function asBytes(value) {
    if (!value) return null;
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (value.buffer) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return null;
  }

  function aligned(bytes, Type) {
    // copy when the byte offset is not aligned for the typed view
    if (bytes.byteOffset % Type.BYTES_PER_ELEMENT === 0)
      return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
    return new Type(bytes.slice().buffer);
  }

  // ---------------------------------------------------------------- data and spatial grid
  function setData(args) {
    const t0 = performance.now();
    const xy = aligned(asBytes(args.xy), Float32Array);
    const codes = aligned(asBytes(args.codes), Uint16Array);
    const n = codes.length;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i], y = xy[2 * i + 1];
      if (x < minX) minX = x; if (x > maxX) maxX = x; if (y < minY) minY = y; if (y > maxY) maxY = y;
    }
    // GPU buffers hold the points in a random order, so any prefix is an unbiased sample: while the
    // view moves, only the first PREVIEW points are drawn (level of detail), all of them once it rests.
    const perm = n > PREVIEW ? shuffled(n) : null;
    const gpuXY = perm ? new Float32Array(2 * n) : xy;
    const codeFloats = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const i = perm ? perm[k] : k;
      codeFloats[k] = codes[i];
      if (perm) { gpuXY[2 * k] = xy[2 * i]; gpuXY[2 * k + 1] = xy[2 * i + 1]; }
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.position);
    gl.bufferData(gl.ARRAY_BUFFER, gpuXY, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.code);
    gl.bufferData(gl.ARRAY_BUFFER, codeFloats, gl.STATIC_DRAW);
    selected = null;
    permutation = perm;
    uploadChosen(n);
    kept = null;
    uploadKept(n);
    const paletteSize = uploadPalette(args.palette || ["#3b5bdb"]);
    const grid = buildGrid(xy, n, minX, maxX, minY, maxY);
    const images = asBytes(args.images);
    const hover = args.hover_text ? String(args.hover_text).split("\n") : null;
    state = {
      n, xy, codes, paletteSize, grid, images, hover, imageShape: args.image_shape || null,
      bounds: [minX, maxX, minY, maxY], view: null, pointSize: args.point_size || autoSize(n),
      legend: args.legend || [], rowLabel: args.row_label || "row", shapes: args.shapes || [],
      askHover: !!args.ask_hover, labels: args.labels || [], focus: args.focus === undefined || args.focus === null ? -1 : args.focus, labelScale: args.label_scale || 1, noiseCount: countNoise(codes),
    };
    document.body.style.fontSize = `${Math.round(13 * (args.text_scale || 1))}px`; // legend and hover (projectors)
    buildLegend();
    return performance.now() - t0;
  }

  function placeKey(st) {
    // the points' positions in brief: their count and a strided sample of coordinates
    const step = Math.max(1, Math.floor(st.n / 997));
    let sum = 0;
    for (let i = 0; i < st.n; i += step) sum += st.xy[2 * i] * 1.7 + st.xy[2 * i + 1];
    return `${st.n}:${sum.toPrecision(12)}`;
  }

  function countNoise(codes) {
    let count = 0;
    for (let i = 0; i < codes.length; i++) if (codes[i] === NOISE) count++;
    return count;
  }

  function autoSize(n) {
    return n > 500000 ? 1.5 : n > 100000 ? 2.0 : n > 20000 ? 3.0 : n > 5000 ? 4.0 : 6.0;
  }

  function shuffled(n) {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    let seed = 12345;
    for (let i = n - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const j = seed % (i + 1);
      const t = order[i]; order[i] = order[j]; order[j] = t;
    }
    return order;
  }

  function uploadKept(n) {
    const values = new Float32Array(n);
    if (kept) for (let k = 0; k < n; k++) values[k] = kept[permutation ? permutation[k] : k];
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.kept);
    gl.bufferData(gl.ARRAY_BUFFER, values, gl.DYNAMIC_DRAW);
  }

  function uploadChosen(n) {
    const chosen = new Float32Array(n);
    if (selected) for (let k = 0; k < n; k++) chosen[k] = selected[permutation ? permutation[k] : k];
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.chosen);
    gl.bufferData(gl.ARRAY_BUFFER, chosen, gl.DYNAMIC_DRAW);
  }

  function buildGrid(xy, n, minX, maxX, minY, maxY) {
    const size = Math.max(16, Math.min(1024, Math.ceil(Math.sqrt(n / 4))));
    const sx = (maxX - minX) || 1, sy = (maxY - minY) || 1;
    const cell = new Int32Array(n);
    const counts = new Int32Array(size * size + 1);
    for (let i = 0; i < n; i++) {
      const cx = Math.min(size - 1, Math.floor(((xy[2 * i] - minX) / sx) * size));
      const cy = Math.min(size - 1, Math.floor(((xy[2 * i + 1] - minY) / sy) * size));
      cell[i] = cy * size + cx;
      counts[cell[i] + 1]++;
    }
    for (let c = 0; c < size * size; c++) counts[c + 1] += counts[c];
    const fill = counts.slice(0, size * size);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[fill[cell[i]]++] = i;
    return { size, start: counts, order, minX, minY, sx, sy };
  }

  // ---------------------------------------------------------------- view and drawing
  function resize() {
    const width = Math.max(200, document.body.clientWidth || window.innerWidth);
    const height = state && state.height ? state.height : 560;
    const ratio = window.devicePixelRatio || 1;
    for (const c of [plot, overlay]) {
      c.width = Math.floor(width * ratio); c.height = Math.floor(height * ratio);
      c.style.width = width + "px"; c.style.height = height + "px";
    }
    document.getElementById("wrap").style.height = height + "px";
    layoutCharts();
    for (const chart of charts) drawChart(chart);
    send("streamlit:setFrameHeight", { height: height + 4 + chartsHeight() });
  }

  function robustBounds() {
    // 0.5%..99.5% quantiles of a sample, so a few far-off points do not shrink the picture
    const n = state.n, step = Math.max(1, Math.floor(n / 20000));
    const xs = [], ys = [];
    for (let i = 0; i < n; i += step) { xs.push(state.xy[2 * i]); ys.push(state.xy[2 * i + 1]); }
    xs.sort((a, b) => a - b); ys.sort((a, b) => a - b);
    const q = (arr, p) => arr[Math.min(arr.length - 1, Math.max(0, Math.round(p * (arr.length - 1))))];
    return [q(xs, 0.005), q(xs, 0.995), q(ys, 0.005), q(ys, 0.995)];
  }

  function resetView() {
    if (!state) return;
    // the points fill the area the toolbar and the legend leave free, so none starts hidden under them
    const [minX, maxX, minY, maxY] = robustBounds();
    const pad = 0.04;
    const w = ((maxX - minX) || 1) * (1 + 2 * pad), h = ((maxY - minY) || 1) * (1 + 2 * pad);
    const cw = plot.clientWidth || 600, ch = plot.clientHeight || 400;
    const toolbar = document.getElementById("toolbar");
    const top = toolbar.offsetTop + toolbar.offsetHeight + 6, bottom = 22, left = 10;
    const right = legend.style.display === "none" ? 10 : Math.min(cw * 0.45, legend.offsetWidth + 16);
    const fw = Math.max(50, cw - left - right), fh = Math.max(50, ch - top - bottom);
    const s = Math.min(fw / w, fh / h); // pixels per data unit
    const vw = cw / s, vh = ch / s;
    const pxc = left + fw / 2, pyc = top + fh / 2;
    state.view = {
      cx: (minX + maxX) / 2 - (pxc / cw - 0.5) * vw,
      cy: (minY + maxY) / 2 - (0.5 - pyc / ch) * vh,
      w: vw, h: vh,
    };
    state.homeWidth = vw;
    state.moved = false; // the home view: a resized frame computes it again rather than stretching it
  }

  function fitAspect() {
    const aspect = plot.width / plot.height;
    const v = state.view, before = v.w;
    if (v.w / v.h > aspect) v.h = v.w / aspect; else v.w = v.h * aspect;
    if (state.homeWidth) state.homeWidth *= v.w / before; // a resized frame is not a zoom (labels by zoom)
  }

  function toScreen(x, y) {
    const v = state.view, cw = plot.clientWidth, ch = plot.clientHeight;
    return [((x - v.cx) / v.w + 0.5) * cw, (0.5 - (y - v.cy) / v.h) * ch];
  }
  function toData(px, py) {
    const v = state.view, cw = plot.clientWidth, ch = plot.clientHeight;
    return [v.cx + (px / cw - 0.5) * v.w, v.cy + (0.5 - py / ch) * v.h];
  }

  function draw() {
    if (!state) return;
    const v = state.view;
    gl.viewport(0, 0, plot.width, plot.height);
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(program);
    gl.uniform2f(loc.scale, 2 / v.w, 2 / v.h);
    gl.uniform2f(loc.offset, -2 * v.cx / v.w, -2 * v.cy / v.h);
    gl.uniform1f(loc.pointSize, state.pointSize * (window.devicePixelRatio || 1));
    gl.uniform1f(loc.highlight, highlight);
    gl.uniform1f(loc.anySelected, selected ? 1 : 0);
    gl.uniform1f(loc.anyFiltered, kept ? 1 : 0);
    gl.uniform1f(loc.paletteSize, state.paletteSize);
    gl.uniform1f(loc.paletteRows, paletteRows);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, paletteTexture);
    gl.uniform1i(loc.palette, 0);
    const attribs = [[buffers.position, loc.position, 2], [buffers.code, loc.code, 1], [buffers.chosen, loc.chosen, 1],
      [buffers.kept, loc.kept, 1]];
    for (const [buffer, location, size] of attribs) {
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(location);
      gl.vertexAttribPointer(location, size, gl.FLOAT, false, 0, 0);
    }
    const count = moving ? Math.min(state.n, PREVIEW) : state.n;
    gl.uniform1f(loc.pass, 0); // noise first, behind
    gl.drawArrays(gl.POINTS, 0, count);
    gl.uniform1f(loc.pass, 1);
    gl.drawArrays(gl.POINTS, 0, count);
    drawOverlay();
  }

  // Overlay: shaded shapes (e.g. rule regions, given in data coordinates), the row hovered in a linked
  // panel, and the lasso or box being drawn.
  function drawOverlay() {
    const ratio = window.devicePixelRatio || 1;
    octx.setTransform(ratio, 0, 0, ratio, 0, 0);
    octx.clearRect(0, 0, overlay.width, overlay.height);
    for (const shape of state.shapes) {
      if (!shape.points || shape.points.length < 3) continue;
      octx.beginPath();
      shape.points.forEach(([x, y], i) => { const [px, py] = toScreen(x, y); i ? octx.lineTo(px, py) : octx.moveTo(px, py); });
      octx.closePath();
      octx.fillStyle = hexToRgba(shape.colour || "#3b5bdb", shape.opacity === undefined ? 0.12 : shape.opacity);
      octx.strokeStyle = shape.colour || "#3b5bdb"; octx.lineWidth = 1.2;
      octx.fill(); octx.stroke();
    }
    if (labelsShown) drawLabels();
    if (state.focus >= 0 && state.focus < state.n) {  // a clicked point: a ring, and its neighbours (marked rows)
      const [px, py] = toScreen(state.xy[2 * state.focus], state.xy[2 * state.focus + 1]);
      octx.strokeStyle = "#d6336c"; octx.lineWidth = 2.5;
      octx.beginPath(); octx.arc(px, py, 9, 0, 2 * Math.PI); octx.stroke();
    }
    if (peerRow >= 0 && peerRow < state.n) {
      const [px, py] = toScreen(state.xy[2 * peerRow], state.xy[2 * peerRow + 1]);
      octx.strokeStyle = "#111"; octx.lineWidth = 2;
      octx.beginPath(); octx.arc(px, py, 7, 0, 2 * Math.PI); octx.stroke();
    }
    if (dragPath) {
      octx.strokeStyle = "#3b5bdb"; octx.fillStyle = "rgba(59,91,219,0.08)"; octx.lineWidth = 1.5;
      octx.beginPath();
      if (dragPath.box) {
        const [a, b] = [dragPath.path[0], dragPath.path[dragPath.path.length - 1]];
        octx.rect(a[0], a[1], b[0] - a[0], b[1] - a[1]);
      } else {
        dragPath.path.forEach(([x, y], i) => (i ? octx.lineTo(x, y) : octx.moveTo(x, y)));
        octx.closePath();
      }
      octx.fill(); octx.stroke();
    }
  }

  // Cluster labels: largest groups first, each kept when its box overlaps no kept box (as place_labels in
  // clustering/report/map_labels.py); a label too big for its place is tried once at 80% before it is hidden, and
  // hidden labels come back as zooming in spreads the clusters apart. Dark text on a white halo, for projectors.
  let labelsShown = true;
  function drawLabels() {
    const placedBoxes = [];
    const cw = plot.clientWidth, ch = plot.clientHeight;
    let placed = 0;
    const placedTexts = [];
    // levels of granularity: level 0 at the first view, one level finer for each doubling of the zoom
    const levels = state.labels.reduce((top, label) => Math.max(top, label.level === undefined ? 0 : label.level), 0);
    const zoom = state.homeWidth ? state.homeWidth / state.view.w : 1;
    const level = Math.min(levels, Math.max(0, Math.floor(Math.log2(Math.max(zoom, 1)) + 1e-9)));
    plot.dataset.labelLevel = String(level);
    plot.dataset.labelLevels = String(levels + 1);
    octx.textAlign = "center"; octx.textBaseline = "middle"; octx.lineJoin = "round";
    for (const label of state.labels) {
      const [px, py] = toScreen(label.x, label.y);
      if (px < 0 || py < 0 || px > cw || py > ch) continue;
      if ((label.level === undefined ? 0 : label.level) !== level) continue;
      if (highlight >= 0 && label.code >= 0 && label.code !== highlight) continue;
      if (kept && state.labelKept && label.code >= 0 && !state.labelKept[label.code]) continue;  // filtered out entirely
      for (const [scale, shift] of [[1, 0], [1, -1], [1, 1], [0.8, 0]]) {  // on its points, above, below, smaller
        const font = label.font * scale * state.labelScale;
        octx.font = `600 ${font}px "Source Sans Pro", sans-serif`;
        const w = octx.measureText(label.text).width + 6, h = font + 4;
        if (w > cw || h > ch) continue;
        // a cluster at the edge keeps its label: the box is moved inside the map, as near its points as it fits
        const cx = Math.min(Math.max(px, w / 2), cw - w / 2);
        const cy = Math.min(Math.max(py + shift * h * 1.1, h / 2), ch - h / 2);
        const box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
        if (placedBoxes.some((k) => !(box[2] <= k[0] || box[0] >= k[2] || box[3] <= k[1] || box[1] >= k[3]))) continue;
        placedBoxes.push(box);
        octx.strokeStyle = "rgba(255,255,255,0.92)"; octx.lineWidth = Math.max(3, font / 4);
        octx.strokeText(label.text, cx, cy);
        octx.fillStyle = "#1f2430";
        octx.fillText(label.text, cx, cy);
        placed++;
        placedTexts.push(label.text);
        break;
      }
    }
    plot.dataset.labelsPlaced = String(placed);
    plot.setAttribute("aria-label", placedTexts.length ? `map labels: ${placedTexts.join("; ")}` : "map");  // read aloud
    window.__scatterLabels = placedBoxes.length;
  }

  function hexToRgba(hex, alpha) {
    const [r, g, b] = hexToRgb(hex);
    return `rgba(${r},${g},${b},${alpha})`;
  }

  function viewChanged() {
    // draw a sample while the view moves, everything once it has rested for 150 ms
    moving = state.n > PREVIEW;
    redraw();
    clearTimeout(restTimer);
    restTimer = setTimeout(() => { moving = false; redraw(); keepView(); }, 150);
  }

  // A person's zoom and pan outlive a rerun that draws the map in a new frame (the page laid out anew): kept in
  // the tab's sessionStorage under the points' positions, and taken back when the same points are drawn again.
  function keepView() {
    if (!state || !state.moved) return;
    try {
      const kept = { view: state.view, home: state.homeWidth, width: plot.clientWidth, height: plot.clientHeight };
      sessionStorage.setItem("clusterlab-view:" + placeKey(state), JSON.stringify(kept));
    } catch (error) { /* storage refused (a file opened offline may have none): the view lives in this frame only */ }
  }

  function keptView() {
    try {
      const found = JSON.parse(sessionStorage.getItem("clusterlab-view:" + placeKey(state)) || "null");
      const v = found && found.view;
      return v && [v.cx, v.cy, v.w, v.h].every(Number.isFinite) && v.w > 0 && v.h > 0 ? found : null;
    } catch (error) {
      return null;
    }
  }

  function forgetView() {
    try { sessionStorage.removeItem("clusterlab-view:" + placeKey(state)); } catch (error) { /* none kept */ }
  }

  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  }

  // ---------------------------------------------------------------- hover
  function nearest(px, py, radius) {
    const g = state.grid;
    const [x, y] = toData(px, py);
    const [x2] = toData(px + radius, py);
    const rData = Math.abs(x2 - x);
    const c0x = Math.floor(((x - rData - g.minX) / g.sx) * g.size), c1x = Math.floor(((x + rData - g.minX) / g.sx) * g.size);
    const c0y = Math.floor(((y - rData - g.minY) / g.sy) * g.size), c1y = Math.floor(((y + rData - g.minY) / g.sy) * g.size);
    let best = -1, bestD = rData * rData;
    for (let cy = Math.max(0, c0y); cy <= Math.min(g.size - 1, c1y); cy++) {
      for (let cx = Math.max(0, c0x); cx <= Math.min(g.size - 1, c1x); cx++) {
        const c = cy * g.size + cx;
        for (let k = g.start[c]; k < g.start[c + 1]; k++) {
          const i = g.order[k];
          if (kept && !kept[i]) continue;
          const dx = state.xy[2 * i] - x, dy = state.xy[2 * i + 1] - y, d = dx * dx + dy * dy;
          if (d <= bestD) { bestD = d; best = i; }
        }
      }
    }
    return best;
  }

  function showTip(i, px, py) {
    if (i < 0) { tip.style.display = "none"; return; }
    const code = state.codes[i];
    const group = code === NOISE ? "noise" : (state.legend[code] ? state.legend[code].name : String(code));
    tip.textContent = `${state.rowLabel} ${i} · ${group}` + (state.hover && state.hover[i] ? "\n" + state.hover[i] : "");
    tip.dataset.detail = "";
    if (state.images && state.imageShape) {
      const [h, w] = state.imageShape;
      const canvas = document.createElement("canvas");
      canvas.width = w; canvas.height = h; canvas.style.width = (w * Math.max(1, Math.floor(84 / w))) + "px";
      const ctx = canvas.getContext("2d");
      const img = ctx.createImageData(w, h);
      const offset = i * w * h;
      for (let p = 0; p < w * h; p++) {
        const value = 255 - state.images[offset + p];
        img.data.set([value, value, value, 255], p * 4);
      }
      ctx.putImageData(img, 0, 0);
      tip.appendChild(canvas);
    }
    tip.style.display = "block";
    const left = Math.min(px + 14, plot.clientWidth - 200);
    tip.style.left = left + "px";
    tip.style.top = Math.min(py + 14, plot.clientHeight - 120) + "px";
  }

  // A map too large to carry every row's hover text asks Python for the row the pointer rests on (400 ms), once
  // per row; the text arrives with the next render as `hover_detail` and joins the tip if the row is still hovered.
  let hovered = -1, detailTimer = null, asked = -1;
  const details = new Map();
  function askDetail(row) {
    hovered = row;
    clearTimeout(detailTimer);
    if (row < 0 || state.hover || !state.askHover) return;
    if (details.has(row)) { addDetail(row); return; }
    detailTimer = setTimeout(() => {
      if (hovered === row && asked !== row) { asked = row; reply({ kind: "hover", row: row }); }
    }, 400);
  }
  function addDetail(row) {
    const text = details.get(row);
    if (text === undefined || hovered !== row || tip.style.display === "none") return;
    if (!tip.dataset.detail || tip.dataset.detail !== String(row)) {
      tip.appendChild(document.createTextNode("\n" + text));
      tip.dataset.detail = String(row);
    }
  }
  function takeDetail(detail) {
    if (!detail || detail.row === undefined) return;
    details.set(detail.row, detail.text || "");
    addDetail(detail.row);
  }

  // ---------------------------------------------------------------- legend
  let legendShown = null; // null: automatic (hidden on narrow panels)
  function buildLegend() {
    legend.innerHTML = "";
    const wide = (document.body.clientWidth || window.innerWidth) >= 520;
    const show = state.legend.length && (legendShown === null ? wide : legendShown);
    document.getElementById("legend-toggle").style.display = state.legend.length ? "" : "none";
    document.getElementById("legend-toggle").classList.toggle("on", !!show);
    if (!show) { legend.style.display = "none"; return; }
    legend.style.display = "block";
    const present = state.legend.filter((entry) => !entry.hidden).length;
    let listed = 0;
    state.legend.forEach((entry, code) => {
      if (entry.hidden) return; // keeps its code (and colour) but has no rows here
      if (listed >= LEGEND_MAX) return;
      listed += 1;
      const item = document.createElement("div");
      item.className = "item" + (highlight >= 0 && highlight !== code ? " dim" : "");
      item.dataset.code = code;
      item.innerHTML = `<span class="swatch" style="background:${entry.colour}"></span><span></span>`;
      item.lastChild.textContent = state.keptCounts
        ? `${entry.name} (${state.keptCounts[code].toLocaleString()} of ${entry.size.toLocaleString()} shown)`
        : `${entry.name} (${entry.size.toLocaleString()})`;
      item.onclick = () => { highlight = highlight === code ? -1 : code; buildLegend(); redraw(); };
      legend.appendChild(item);
    });
    if (state.noiseCount) {
      const item = document.createElement("div");
      item.className = "item noise";
      item.innerHTML = `<span class="swatch" style="background:#b8b8bd"></span><span></span>`;
      item.lastChild.textContent = state.keptCounts
        ? `noise (${state.keptCounts[NOISE].toLocaleString()} of ${state.noiseCount.toLocaleString()} shown)`
        : `noise (${state.noiseCount.toLocaleString()})`;
      legend.appendChild(item);
    }
    if (present > listed) {
      const more = document.createElement("div");
      more.className = "item more";
      more.textContent = `${listed.toLocaleString()} of ${present.toLocaleString()} groups listed; every group is drawn in its colour`;
      legend.appendChild(more);
    }
  }

  // ---------------------------------------------------------------- selection
  function pointInPolygon(x, y, poly) {
    let inside = false;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i], [xj, yj] = poly[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function select(polygonData) {
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const [x, y] of polygonData) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
    const mask = new Uint8Array(state.n);
    const rows = [];
    for (let i = 0; i < state.n; i++) {
      const x = state.xy[2 * i], y = state.xy[2 * i + 1];
      if (x < minX || x > maxX || y < minY || y > maxY || (kept && !kept[i])) continue;
      if (pointInPolygon(x, y, polygonData)) { mask[i] = 1; rows.push(i); }
    }
    applySelection(rows, true, polygonData);
    tell("select", { rows });
  }

  // `polygon` (data coordinates) goes back with the rows, so Python can select the rows not drawn (a sampled view).
  function applySelection(rows, own, polygon) {
    let mask = null;
    if (rows.length) { mask = new Uint8Array(state.n); for (const i of rows) if (i >= 0 && i < state.n) mask[i] = 1; }
    selected = mask;
    uploadChosen(state.n);
    redraw();
    status.textContent = rows.length ? `${rows.length.toLocaleString()} selected` + (own ? "" : " (in a linked panel)") : "";
    window.__scatterSelected = rows.length;
    if (own) reply({ kind: "select", rows: rows, polygon: polygon || null });
  }

  let drag = null;
  function setMode(next) {
    mode = next;
    for (const m of ["pan", "lasso", "box"]) document.getElementById("mode-" + m).classList.toggle("on", m === next);
    plot.style.cursor = next === "pan" ? "grab" : "crosshair";
  }
  for (const m of ["pan", "lasso", "box"]) document.getElementById("mode-" + m).onclick = () => setMode(m);
  document.getElementById("legend-toggle").onclick = () => {
    legendShown = legend.style.display === "none"; buildLegend();
  };
  document.getElementById("labels-toggle").onclick = () => {
    labelsShown = !labelsShown;
    document.getElementById("labels-toggle").classList.toggle("on", labelsShown);
    drawOverlay();
  };
  document.getElementById("reset").onclick = () => { forgetView(); resetView(); redraw(); };
  document.getElementById("clear").onclick = () => { applySelection([], true); tell("select", { rows: [] }); };

  plot.addEventListener("mousedown", (e) => {
    if (!state) return;
    drag = { x: e.offsetX, y: e.offsetY, view: Object.assign({}, state.view), path: [[e.offsetX, e.offsetY]] };
    if (mode === "pan") plot.style.cursor = "grabbing";
  });
  window.addEventListener("mouseup", (e) => {
    if (!drag || !state) return;
    const path = drag.path;
    const still = Math.hypot(e.offsetX - drag.x, e.offsetY - drag.y) < 4;
    if (mode === "pan" && still && e.target === plot) {  // a click: the point under the pointer, for its neighbours
      const row = nearest(e.offsetX, e.offsetY, 8);
      if (row >= 0) { state.focus = row; drawOverlay(); reply({ kind: "click", row: row }); }
    }
    if (mode === "lasso" && path.length > 2) select(path.map(([px, py]) => toData(px, py)));
    if (mode === "box" && path.length > 1) {
      const [a, b] = [path[0], path[path.length - 1]];
      select([[a[0], a[1]], [b[0], a[1]], [b[0], b[1]], [a[0], b[1]]].map(([px, py]) => toData(px, py)));
    }
    dragPath = null;
    drawOverlay();
    drag = null;
    if (mode === "pan") plot.style.cursor = "grab";
  });
  plot.addEventListener("mousemove", (e) => {
    if (!state) return;
    if (drag) {
      tip.style.display = "none";
      if (mode === "pan") {
        const v = state.view;
        v.cx = drag.view.cx - ((e.offsetX - drag.x) / plot.clientWidth) * v.w;
        v.cy = drag.view.cy + ((e.offsetY - drag.y) / plot.clientHeight) * v.h;
        state.moved = true;
        viewChanged();
      } else {
        if (mode === "lasso") drag.path.push([e.offsetX, e.offsetY]); else drag.path = [drag.path[0], [e.offsetX, e.offsetY]];
        drawPath(drag.path, mode === "box");
      }
      return;
    }
    const row = nearest(e.offsetX, e.offsetY, 8);
    showTip(row, e.offsetX, e.offsetY);
    tell("hover", { row });
    askDetail(row);
  });
  plot.addEventListener("mouseleave", () => { tip.style.display = "none"; tell("hover", { row: -1 }); });
  plot.addEventListener("wheel", (e) => {
    if (!state) return;
    e.preventDefault();
    const factor = Math.exp(e.deltaY * 0.0015);
    const [x, y] = toData(e.offsetX, e.offsetY);
    const v = state.view;
    v.cx = x + (v.cx - x) * factor; v.cy = y + (v.cy - y) * factor; v.w *= factor; v.h *= factor;
    state.moved = true;
    viewChanged();
  }, { passive: false });

  function drawPath(path, box) {
    dragPath = { path, box };
    drawOverlay();
  }


  // ---------------------------------------------------------------- metadata charts that cross-filter
  // Each chart is one metadata column binned in Python (one byte a row). A brush (histograms) or clicks (bars)
  // choose bins; a row is kept when every chart allows its bin. Each chart's bars count the rows the *other*
  // charts keep (cross-filter), so a chart never empties itself. One pass over the rows per change.
  let kept = null; // Uint8Array: 1 where a row passes every chart's filter; null: no filter
  let charts = [];
  let chartsKey = null;
  const CHART_H = 120;

  function setCharts(args) {
    const key = (args.data_id || "") + "|" + (args.charts_id || "");
    if (key === chartsKey) return;
    chartsKey = key;
    const box = document.getElementById("charts");
    box.innerHTML = "";
    charts = [];
    const specs = args.charts || [];
    const bytes = asBytes(args.chart_codes);
    if (!specs.length || !bytes || bytes.byteLength !== specs.length * state.n) { refilter(false); return; }
    specs.forEach((spec, c) => {
      const chart = Object.assign({}, spec, {
        codes: new Uint8Array(bytes.buffer, bytes.byteOffset + c * state.n, state.n),
        allowed: null, shown: new Float64Array(spec.bins.length), total: new Float64Array(spec.bins.length),
      });
      for (let i = 0; i < state.n; i++) chart.total[chart.codes[i]]++;
      const wrap = document.createElement("div");
      wrap.className = "chart";
      wrap.dataset.column = spec.column;
      wrap.innerHTML = `<div class="head"><b></b><a title="show every row again">clear</a></div><canvas></canvas>`;
      wrap.querySelector("b").textContent = spec.column;
      wrap.querySelector("a").onclick = () => { chart.allowed = null; refilter(true); };
      chart.canvas = wrap.querySelector("canvas");
      chart.wrap = wrap;
      box.appendChild(wrap);
      hookChart(chart);
      charts.push(chart);
    });
    // restore a filter Python still holds (a rerun redraws the component)
    const held = args.chart_filter || {};
    for (const chart of charts) if (held[chart.column]) {
      chart.allowed = new Uint8Array(chart.bins.length);
      for (const b of held[chart.column]) if (b >= 0 && b < chart.bins.length) chart.allowed[b] = 1;
    }
    layoutCharts();
    refilter(false);
  }

  function layoutCharts() {
    if (!charts.length) return;
    const width = Math.max(200, document.body.clientWidth || window.innerWidth);
    const perRow = Math.max(1, Math.min(charts.length, Math.floor(width / 230)));
    const w = Math.floor((width - 8 * (perRow - 1)) / perRow) - 14;
    const ratio = window.devicePixelRatio || 1;
    for (const chart of charts) {
      const h = chart.kind === "category" ? Math.max(CHART_H, 14 * chart.bins.length + 6) : CHART_H;
      chart.canvas.width = Math.floor(w * ratio); chart.canvas.height = Math.floor(h * ratio);
      chart.canvas.style.width = w + "px"; chart.canvas.style.height = h + "px";
      chart.w = w; chart.h = h;
    }
  }

  function chartsHeight() {
    const box = document.getElementById("charts");
    return charts.length ? box.offsetHeight + 28 : 0;
  }

  function refilter(tellPython, brushing) {
    const n = state.n, k = charts.length;
    const active = charts.filter((c) => c.allowed);
    for (const chart of charts) chart.shown.fill(0);
    let count = n;
    state.keptCounts = null;
    if (!active.length) {
      kept = null;
      state.labelKept = null;
      for (const chart of charts) chart.shown.set(chart.total);
    } else {
      kept = new Uint8Array(n);
      count = 0;
      const labelKept = state.labelKept = new Uint8Array(65536);
      const keptCounts = state.keptCounts = new Int32Array(65536); // the legend counts what the filter keeps
      for (let i = 0; i < n; i++) {
        let fails = 0, failed = -1;
        for (let c = 0; c < k; c++) {
          const chart = charts[c];
          if (chart.allowed && !chart.allowed[chart.codes[i]]) { fails++; failed = c; if (fails > 1) break; }
        }
        if (fails === 0) {
          kept[i] = 1; count++; labelKept[state.codes[i]] = 1; keptCounts[state.codes[i]]++;
          for (let c = 0; c < k; c++) charts[c].shown[charts[c].codes[i]]++;
        } else if (fails === 1) charts[failed].shown[charts[failed].codes[i]]++;
      }
    }
    uploadKept(n);
    buildLegend();
    for (const chart of charts) drawChart(chart);
    const counter = document.getElementById("filter-count");
    counter.textContent = active.length
      ? `Filter: ${count.toLocaleString()} of ${n.toLocaleString()} points shown (${active.map((c) => c.column).join(", ")})`
      : charts.length ? "Brush a histogram or click bars to filter the map." : "";
    window.__scatterFiltered = active.length ? count : null;
    plot.dataset.filtered = active.length ? String(count) : "";
    if (brushing) viewChanged(); else redraw(); // while brushing, a sample is drawn (as while panning)
    if (tellPython) {
      const filters = {};
      for (const chart of active) {
        filters[chart.column] = [];
        chart.allowed.forEach((v, b) => { if (v) filters[chart.column].push(b); });
      }
      reply({ kind: "filter", filters: filters, count: count });
    }
  }

  function drawChart(chart) {
    const ctx = chart.canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, chart.w, chart.h);
    const bins = chart.bins.length;
    let peak = 1;
    for (let b = 0; b < bins; b++) peak = Math.max(peak, chart.total[b]);
    ctx.font = "11px sans-serif"; ctx.textBaseline = "middle";
    for (let b = 0; b < bins; b++) {
      const on = !chart.allowed || chart.allowed[b];
      if (chart.kind === "category") {
        const y = 3 + b * 14, label = chart.w * 0.42;
        const full = (chart.w - label - 40) * chart.total[b] / peak, part = (chart.w - label - 40) * chart.shown[b] / peak;
        ctx.fillStyle = "#e6e9ef"; ctx.fillRect(label, y, full, 11);
        ctx.fillStyle = on ? "#3b5bdb" : "#b7c3f3"; ctx.fillRect(label, y, part, 11);
        ctx.fillStyle = on ? "#262730" : "#a0a4b0"; ctx.textAlign = "right";
        ctx.fillText(fit(ctx, chart.bins[b], label - 4), label - 4, y + 6);
        ctx.textAlign = "left"; ctx.fillStyle = "#808495";
        ctx.fillText(compact(chart.shown[b]), label + full + 3, y + 6);
      } else {
        const bw = chart.w / bins, base = chart.h - 14;
        const full = (base - 4) * chart.total[b] / peak, part = (base - 4) * chart.shown[b] / peak;
        ctx.fillStyle = "#e6e9ef"; ctx.fillRect(b * bw + 0.5, base - full, bw - 1, full);
        ctx.fillStyle = on ? "#3b5bdb" : "#b7c3f3"; ctx.fillRect(b * bw + 0.5, base - part, bw - 1, part);
      }
    }
    if (chart.kind !== "category") {
      ctx.fillStyle = "#808495"; ctx.textAlign = "left";
      ctx.fillText(chart.bins[0].split(" – ")[0], 0, chart.h - 6);
      ctx.textAlign = "right";
      const last = chart.bins[bins - 1];
      ctx.fillText(last.includes(" – ") ? last.split(" – ")[1] : last, chart.w, chart.h - 6);
    }
  }

  function fit(ctx, text, width) {
    if (ctx.measureText(text).width <= width) return text;
    let cut = text;
    while (cut.length > 1 && ctx.measureText(cut + "…").width > width) cut = cut.slice(0, -1);
    return cut + "…";
  }
  function compact(v) { return v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e4 ? Math.round(v / 1e3) + "k" : String(v); }

  function chartBin(chart, e) {
    if (chart.kind === "category") return Math.max(0, Math.min(chart.bins.length - 1, Math.floor((e.offsetY - 3) / 14)));
    return Math.max(0, Math.min(chart.bins.length - 1, Math.floor(e.offsetX / (chart.w / chart.bins.length))));
  }

  function hookChart(chart) {
    let brushFrom = -1;
    chart.canvas.addEventListener("mousedown", (e) => {
      const b = chartBin(chart, e);
      if (chart.kind === "category") {
        if (!chart.allowed) chart.allowed = new Uint8Array(chart.bins.length);
        chart.allowed[b] = chart.allowed[b] ? 0 : 1;
        if (!chart.allowed.some((v) => v)) chart.allowed = null;
        refilter(true);
      } else brushFrom = b;
    });
    chart.canvas.addEventListener("mousemove", (e) => {
      chart.canvas.title = chart.bins[chartBin(chart, e)] + ": " + chart.shown[chartBin(chart, e)].toLocaleString() + " rows";
      if (brushFrom < 0) return;
      brush(chart, brushFrom, chartBin(chart, e));
      refilterSoon();
    });
    window.addEventListener("mouseup", (e) => {
      if (brushFrom < 0) return;
      const to = e.target === chart.canvas ? chartBin(chart, e) : brushFrom;
      brush(chart, brushFrom, to);
      brushFrom = -1;
      refilter(true);
    });
  }

  function brush(chart, a, b) {
    chart.allowed = new Uint8Array(chart.bins.length);
    for (let i = Math.min(a, b); i <= Math.max(a, b); i++) chart.allowed[i] = 1;
  }

  let filterPending = false;
  function refilterSoon() {  // while brushing: at most once a frame
    if (filterPending) return;
    filterPending = true;
    requestAnimationFrame(() => { filterPending = false; refilter(false, true); });
  }
  // for tests and the brushing benchmark: brush chart c over bins a..b (null clears it)
  window.__scatterBrush = (c, a, b) => {
    if (a === null) charts[c].allowed = null; else brush(charts[c], a, b);
    const t = performance.now();
    refilter(true);
    return performance.now() - t;
  };

  // ---------------------------------------------------------------- linked panels
  function setLink(name) {
    if (channel) { channel.close(); channel = null; }
    if (!name || typeof BroadcastChannel === "undefined") return;
    channel = new BroadcastChannel("clusterlab-link-" + name);
    channel.onmessage = (event) => {
      const m = event.data || {};
      if (!state || m.from === me) return;
      if (m.type === "hover") { peerRow = m.row; window.__scatterPeer = m.row; redraw(); }
      if (m.type === "select") applySelection(m.rows || [], false);
    };
  }
  function tell(type, extra) { if (channel) channel.postMessage(Object.assign({ from: me, type }, extra)); }

  // ---------------------------------------------------------------- Streamlit protocol
  // rows marked from Python (a search): shown as a selection, not sent back
  let lastMarked = null;
  function applyMarked(args) {
    const id = args.marked_id || "";
    if (id === lastMarked) return;
    const wasMarked = !!lastMarked;
    lastMarked = id;
    const bytes = asBytes(args.marked);
    const rows = bytes && bytes.byteLength ? Array.from(aligned(bytes, Uint32Array)) : [];
    if (!id) {  // the search was cleared
      if (wasMarked) { applySelection([], false); window.__scatterMarked = 0; }
      return;
    }
    applySelection(rows, false);
    status.textContent = `${rows.length.toLocaleString()} match${rows.length === 1 ? "" : "es"}`;
    window.__scatterMarked = rows.length;
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "streamlit:render") return;
    const args = data.args || {};
    const received = performance.now();
    setLinkOnce(args.link);
    if (args.data_id !== lastDataId) {
      lastDataId = args.data_id;
      highlight = -1;
      const height = args.height || 560;
      if (state) state.height = height;
      const before = state
        ? { view: state.view, home: state.homeWidth, moved: state.moved, where: placeKey(state), width: plot.clientWidth, height: plot.clientHeight }
        : null;
      const prepMs = setData(args);
      state.height = height;
      chartsKey = null;
      setCharts(args);
      resize();
      resetView();
      const kept = before && before.moved && before.view && before.where === placeKey(state) ? before : keptView();
      if (kept) {
        // the same points coloured anew (a search, a toggle, another run): a rerun keeps the person's view
        state.view = Object.assign({}, kept.view); state.homeWidth = kept.home; state.moved = true;
        rescaleView(kept.width, kept.height);
      }
      const t = performance.now();
      draw();
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4)); // waits for the draw to finish
      const drawMs = performance.now() - t;
      const total = performance.now() - received;
      window.__scatterStats = { n: state.n, prepMs, drawMs, totalMs: total };
      plot.dataset.n = String(state.n);
      plot.dataset.drawMs = drawMs.toFixed(1);
      plot.dataset.totalMs = total.toFixed(1);
      plot.dataset.ready = "1";
      status.textContent = `${state.n.toLocaleString()} points · drawn in ${total.toFixed(0)} ms`;
      lastMarked = null;
      applyMarked(args);
    } else if (state) {
      const shapes = args.shapes || [];
      if (JSON.stringify(shapes) !== JSON.stringify(state.shapes)) { state.shapes = shapes; redraw(); }
      const labels = args.labels || [];
      if (JSON.stringify(labels) !== JSON.stringify(state.labels)) { state.labels = labels; redraw(); }
      takeDetail(args.hover_detail);
      const focus = args.focus === undefined || args.focus === null ? -1 : args.focus;
      if (focus !== state.focus) { state.focus = focus; redraw(); }
      const before = chartsKey;
      setCharts(args);
      if (chartsKey !== before) resize();
      applyMarked(args);
    }
  });
  let linkName = null;
  function setLinkOnce(name) { if (name !== linkName) { linkName = name; setLink(name); } }
  // for tests: the view (data units) and whether the person moved it
  window.__scatterView = () => Object.assign({ moved: !!state.moved }, state.view);
  // for tests: the screen position (CSS pixels inside the frame) of row i
  window.__scatterPoint = (i) => toScreen(state.xy[2 * i], state.xy[2 * i + 1]);
  // for tests: zoom by `factor` about the centre and draw now; returns the level of the labels shown
  window.__scatterZoom = (factor) => {
    state.view.w /= factor; state.view.h /= factor; draw();
    return Number(plot.dataset.labelLevel || 0);
  };
  // A frame resized while the map shows its home view (a rerun lays the page out again, and the frame's width can
  // arrive late) gets the home view anew; stretching the old one left the points in a corner, zoomed out.
  window.addEventListener("resize", () => {
    if (!state) return;
    const width = plot.clientWidth, height = plot.clientHeight;
    resize();
    if (state.moved) rescaleView(width, height); else resetView();
    redraw();
  });

  // A moved view keeps its scale (data units per pixel) when the frame changes size, so a frame laid out narrow
  // and widened again shows exactly what it showed; stretching one side at a time would zoom it out each time.
  function rescaleView(width, height) {
    if (!width || !height) { fitAspect(); return; }
    const v = state.view, fx = plot.clientWidth / width, fy = plot.clientHeight / height;
    v.w *= fx; v.h *= fy;
    if (state.homeWidth) state.homeWidth *= fx;
  }
  send("streamlit:componentReady", { apiVersion: 1 });
})();
