// The latent map: test images placed by the first two principal components of their latents.

// Okabe-Ito and Tableau colours: told apart by most colour-blind readers, and dark enough to see on white.
const Palette = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9', '#8c6d1f', '#332288', '#c1272d', '#4d4d4d'];

export const colourOf = label => Palette[((label % Palette.length) + Palette.length) % Palette.length];

export class LatentMapView {
  #canvas;
  #context;
  #map = null;
  #bounds = null;
  #marker = null;
  #picked = null;
  #dragging = null;

  /** @param {HTMLCanvasElement} canvas @param {(x: number, y: number) => void} onPick */
  constructor(canvas, onPick) {
    this.#canvas = canvas;
    this.#context = canvas.getContext('2d');
    const pick = event => {
      const point = this.#toMap(event);
      if (point) {
        this.#picked = point;
        this.#draw();
        onPick(point.x, point.y);
      }
    };
    canvas.addEventListener('pointerdown', event => {
      if (!this.#map) {
        return;
      }
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      this.#dragging = event.pointerId;
      pick(event);
    });
    canvas.addEventListener('pointermove', event => {
      if (event.pointerId === this.#dragging) {
        pick(event);
      }
    });
    const end = event => {
      if (event.pointerId === this.#dragging) {
        this.#dragging = null;
      }
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('keydown', event => {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      if (!this.#map || !(event.key in moves)) {
        return;
      }
      event.preventDefault();
      const [dx, dy] = moves[event.key];
      const start = this.#picked ?? { x: (this.#bounds.minX + this.#bounds.maxX) / 2, y: (this.#bounds.minY + this.#bounds.maxY) / 2 };
      const step = 0.02 * (event.shiftKey ? 5 : 1);
      this.#picked = { x: start.x + (dx * step * (this.#bounds.maxX - this.#bounds.minX)), y: start.y + (dy * step * (this.#bounds.maxY - this.#bounds.minY)) };
      this.#draw();
      onPick(this.#picked.x, this.#picked.y);
    });
  }

  get map() {
    return this.#map;
  }

  show(map) {
    this.#map = map;
    this.#picked = null;
    this.#marker = null;
    this.#bounds = map ? boundsOf(map.points) : null;
    this.#draw();
  }

  /** The latent a map point stands for: mean + x * c1 + y * c2. */
  latentAt(x, y) {
    const { mean, components: [first, second] } = this.#map;
    return mean.map((m, i) => m + (x * first[i]) + (y * second[i]));
  }

  /** Marks where a latent (the drawing's) lies on the map. */
  mark(latent) {
    if (!this.#map || !latent || latent.length !== this.#map.mean.length) {
      return;
    }
    const { mean, components: [first, second] } = this.#map;
    let x = 0;
    let y = 0;
    for (let i = 0; i < mean.length; i++) {
      x += (latent[i] - mean[i]) * first[i];
      y += (latent[i] - mean[i]) * second[i];
    }
    this.#marker = { x, y };
    this.#draw();
  }

  #toMap(event) {
    if (!this.#bounds) {
      return null;
    }
    const box = this.#canvas.getBoundingClientRect();
    const u = (event.clientX - box.left) / box.width;
    const v = (event.clientY - box.top) / box.height;
    const { minX, maxX, minY, maxY } = this.#bounds;
    return { x: minX + (u * (maxX - minX)), y: maxY - (v * (maxY - minY)) };
  }

  #toCanvas(x, y) {
    const { minX, maxX, minY, maxY } = this.#bounds;
    return [((x - minX) / (maxX - minX)) * this.#canvas.width, ((maxY - y) / (maxY - minY)) * this.#canvas.height];
  }

  #draw() {
    const context = this.#context;
    const { width, height } = this.#canvas;
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    if (!this.#map) {
      return;
    }
    context.globalAlpha = 0.7;
    for (const point of this.#map.points) {
      const [cx, cy] = this.#toCanvas(point.x, point.y);
      context.fillStyle = colourOf(point.label);
      context.fillRect(cx - 1.5, cy - 1.5, 3, 3);
    }
    context.globalAlpha = 1;
    if (this.#marker) {
      this.#ring(this.#marker, '#000000', 9);
    }
    if (this.#picked) {
      this.#cross(this.#picked);
    }
  }

  #ring(point, colour, radius) {
    const [cx, cy] = this.#toCanvas(point.x, point.y);
    const context = this.#context;
    context.lineWidth = 3;
    context.strokeStyle = '#ffffff';
    context.beginPath();
    context.arc(cx, cy, radius, 0, Math.PI * 2);
    context.stroke();
    context.lineWidth = 2;
    context.strokeStyle = colour;
    context.stroke();
  }

  #cross(point) {
    const [cx, cy] = this.#toCanvas(point.x, point.y);
    const context = this.#context;
    for (const [colour, width] of [['#ffffff', 4], ['#000000', 2]]) {
      context.strokeStyle = colour;
      context.lineWidth = width;
      context.beginPath();
      context.moveTo(cx - 8, cy);
      context.lineTo(cx + 8, cy);
      context.moveTo(cx, cy - 8);
      context.lineTo(cx, cy + 8);
      context.stroke();
    }
  }
}

/** The 1st to 99th percentile of each coordinate, with a margin: a few outliers should not shrink the rest to a dot. */
function boundsOf(points) {
  const quantiles = values => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = q => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
    const [low, high] = [at(0.01), at(0.99)];
    const margin = Math.max((high - low) * 0.08, 1e-6);
    return [low - margin, high + margin];
  };
  const [minX, maxX] = quantiles(points.map(point => point.x));
  const [minY, maxY] = quantiles(points.map(point => point.y));
  return { minX, maxX, minY, maxY };
}
