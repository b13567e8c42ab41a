// The reference map on a 2-D canvas: points written straight into an ImageData buffer (50,000 points take a
// few milliseconds per frame, no WebGL needed), overlays (hits, query cells) drawn on top. Pan by dragging,
// zoom with the wheel, hover for labels, click to pick a cell.
import { buildPointGrid, nearestPoint } from './map-grid.js';

const BACKGROUND = 0xfffbfaf8; // ABGR of #f8fafb
const DIM = packRgb([222, 226, 230]);

function packRgb([r, g, b]) {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export class MapView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onPick?: (i: number) => void, describe?: (i: number) => HTMLElement|string}} hooks
   */
  constructor(canvas, tooltip, hooks = {}) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.hooks = hooks;
    this.ctx = canvas.getContext('2d');
    this.data = null;
    this.level = 0;
    this.palettes = [];
    this.focus = null;
    this.highlights = [];
    this.queryIndex = -1;
    this.queryPoints = [];
    this.pointsDrawn = 0;
    this.firstPaintMs = null;
    this.dpr = window.devicePixelRatio || 1;
    this.frame = 0;
    this.resetView();
    new ResizeObserver(() => this.resize()).observe(canvas.parentElement);
    this.resize();
    this.bindPointer();
  }

  /** Sets the points (decoded map) and one palette per level ([r,g,b] per label code). */
  setData(data, palettes) {
    this.data = data;
    this.palettes = palettes.map((p) => Uint32Array.from(p, packRgb));
    this.buildGrid();
    this.resetView();
  }

  setLevel(level) {
    this.level = level;
    this.requestDraw();
  }

  /** Dims every point whose label at `level` is not `code` (null clears). */
  setFocus(focus) {
    this.focus = focus;
    this.requestDraw();
  }

  /** Marks map points (indices into the map) as search hits, and the query point. */
  setHighlights(indices, queryIndex = -1) {
    this.highlights = indices;
    this.queryIndex = queryIndex;
    this.requestDraw();
  }

  /** Query cells placed on the map: [{x, y, rgb}] in map units. */
  setQueryPoints(points) {
    this.queryPoints = points;
    this.requestDraw();
  }

  resetView() {
    const w = this.canvas.width || 1;
    const h = this.canvas.height || 1;
    const margin = 0.04;
    this.scale = Math.min(w, h) * (1 - 2 * margin);
    this.tx = (w - this.scale) / 2;
    this.ty = (h - this.scale) / 2;
    this.requestDraw();
  }

  resize() {
    const parent = this.canvas.parentElement;
    const w = Math.max(1, Math.round(parent.clientWidth * this.dpr));
    const h = Math.max(1, Math.round(parent.clientHeight * this.dpr));
    if (w === this.canvas.width && h === this.canvas.height) return;
    const first = this.canvas.width <= 1 || !this.image;
    this.canvas.width = w;
    this.canvas.height = h;
    this.image = null;
    if (first) this.resetView();
    else this.requestDraw();
  }

  /** Canvas position (CSS pixels) of map point i. */
  screenPositionOf(i) {
    const { xy } = this.data;
    return { x: (xy[2 * i] * this.scale + this.tx) / this.dpr, y: ((1 - xy[2 * i + 1]) * this.scale + this.ty) / this.dpr };
  }

  requestDraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw() {
    const { canvas, ctx } = this;
    const w = canvas.width;
    const h = canvas.height;
    if (!this.image || this.image.width !== w || this.image.height !== h) {
      this.image = ctx.createImageData(w, h);
      this.pixels = new Uint32Array(this.image.data.buffer);
    }
    const px = this.pixels;
    px.fill(BACKGROUND);
    let drawn = 0;
    if (this.data) {
      const { n, xy, codes } = this.data;
      const colours = this.palettes[this.level];
      const labelCodes = codes[this.level];
      const size = Math.max(2, Math.min(7, Math.round((2.5 + this.scale / 1200) * this.dpr)));
      const focusCodes = this.focus ? codes[this.focus.level] : null;
      // Two passes when focused, so that the focused cells lie on top of the dimmed ones.
      for (let pass = focusCodes ? 0 : 1; pass < 2; pass++) {
        for (let i = 0; i < n; i++) {
          const inFocus = !focusCodes || focusCodes[i] === this.focus.code;
          if (pass === 0 ? inFocus : !inFocus) continue;
          const x = Math.round(xy[2 * i] * this.scale + this.tx);
          const y = Math.round((1 - xy[2 * i + 1]) * this.scale + this.ty);
          if (x < 0 || y < 0 || x + size > w || y + size > h) continue;
          const c = inFocus ? colours[labelCodes[i]] : DIM;
          for (let dy = 0; dy < size; dy++) {
            const row = (y + dy) * w + x;
            for (let dx = 0; dx < size; dx++) px[row + dx] = c;
          }
          drawn++;
        }
      }
    }
    ctx.putImageData(this.image, 0, 0);
    this.drawOverlays();
    this.pointsDrawn = drawn;
    if (drawn > 0 && this.firstPaintMs === null) {
      this.firstPaintMs = performance.now();
      this.canvas.dataset.firstPaintMs = String(Math.round(this.firstPaintMs));
    }
    this.canvas.dataset.pointsDrawn = String(drawn);
  }

  drawOverlays() {
    const { ctx, dpr } = this;
    const toScreen = (x, y) => [x * this.scale + this.tx, (1 - y) * this.scale + this.ty];
    for (const q of this.queryPoints) {
      const [x, y] = toScreen(q.x, q.y);
      ctx.fillStyle = `rgb(${q.rgb[0]}, ${q.rgb[1]}, ${q.rgb[2]})`;
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 1 * dpr;
      ctx.beginPath();
      const r = 4 * dpr;
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
    if (!this.data) return;
    const { xy } = this.data;
    ctx.lineWidth = 2 * dpr;
    ctx.strokeStyle = '#111';
    for (const i of this.highlights) {
      const [x, y] = toScreen(xy[2 * i], xy[2 * i + 1]);
      ctx.beginPath();
      ctx.arc(x, y, 5 * dpr, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (this.queryIndex >= 0) {
      const [x, y] = toScreen(xy[2 * this.queryIndex], xy[2 * this.queryIndex + 1]);
      ctx.strokeStyle = '#e00';
      ctx.lineWidth = 3 * dpr;
      ctx.beginPath();
      ctx.arc(x, y, 9 * dpr, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  buildGrid() {
    this.grid = buildPointGrid(this.data.n, this.data.xy);
  }

  /** Nearest map point within `radius` CSS pixels of a canvas position, or -1. */
  pointAt(cssX, cssY, radius = 7) {
    if (!this.data || !this.grid) return -1;
    const ux = (cssX * this.dpr - this.tx) / this.scale;
    const uy = 1 - (cssY * this.dpr - this.ty) / this.scale;
    const ur = (radius * this.dpr) / this.scale;
    // Only points in focus can be picked: the dimmed ones lie under them.
    const inFocus = (i) => !this.focus || this.data.codes[this.focus.level][i] === this.focus.code;
    return nearestPoint(this.grid, this.data.xy, ux, uy, ur, inFocus);
  }

  bindPointer() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const rect = c.getBoundingClientRect();
      if (drag) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
        if (drag.moved) {
          this.tx = drag.tx + dx * this.dpr;
          this.ty = drag.ty + dy * this.dpr;
          this.tooltip.hidden = true;
          this.requestDraw();
          return;
        }
      }
      this.hover(e.clientX - rect.left, e.clientY - rect.top);
    });
    c.addEventListener('pointerup', (e) => {
      const wasClick = drag && !drag.moved;
      drag = null;
      if (!wasClick) return;
      const rect = c.getBoundingClientRect();
      const i = this.pointAt(e.clientX - rect.left, e.clientY - rect.top);
      if (i >= 0) this.hooks.onPick?.(i);
    });
    c.addEventListener('pointerleave', () => {
      this.tooltip.hidden = true;
    });
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const rect = c.getBoundingClientRect();
        const mx = (e.clientX - rect.left) * this.dpr;
        const my = (e.clientY - rect.top) * this.dpr;
        const factor = Math.exp(-e.deltaY * 0.0015);
        const next = Math.min(200 * Math.min(c.width, c.height), Math.max(0.2 * Math.min(c.width, c.height), this.scale * factor));
        const f = next / this.scale;
        this.tx = mx - (mx - this.tx) * f;
        this.ty = my - (my - this.ty) * f;
        this.scale = next;
        this.requestDraw();
      },
      { passive: false },
    );
  }

  hover(cssX, cssY) {
    const i = this.pointAt(cssX, cssY);
    if (i < 0) {
      this.tooltip.hidden = true;
      this.canvas.style.cursor = 'grab';
      return;
    }
    this.canvas.style.cursor = 'pointer';
    const content = this.hooks.describe?.(i);
    this.tooltip.replaceChildren(content ?? String(i));
    this.tooltip.hidden = false;
    // Keep the tooltip inside the map pane: flip it to the left / above near the right / bottom edge.
    const pane = this.canvas.parentElement;
    const { offsetWidth: tw, offsetHeight: th } = this.tooltip;
    const left = cssX + 14 + tw > pane.clientWidth ? cssX - 14 - tw : cssX + 14;
    const top = cssY + 14 + th > pane.clientHeight ? cssY - 14 - th : cssY + 14;
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${Math.max(0, top)}px`;
  }
}
