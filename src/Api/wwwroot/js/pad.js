// The drawing pad: dark ink on white, as on paper (the service inverts it to the data set's white on black).

const MaxUndo = 30;

export class DrawingPad {
  #canvas;
  #context;
  #undo = [];
  #last = null;
  #pointer = null;

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onStroke: () => void, onStrokeEnd: () => void}} handlers
   */
  constructor(canvas, { onStroke, onStrokeEnd }) {
    this.#canvas = canvas;
    this.#context = canvas.getContext('2d', { willReadFrequently: true });
    this.clear();
    canvas.addEventListener('pointerdown', event => {
      if (this.#pointer !== null) {
        return;
      }
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      this.#pointer = event.pointerId;
      this.#remember();
      this.#last = this.#position(event);
      this.#dot(this.#last);
      onStroke();
    });
    canvas.addEventListener('pointermove', event => {
      if (event.pointerId !== this.#pointer) {
        return;
      }
      // Coalesced events keep fast strokes (pens report at up to 240 Hz) smooth.
      for (const sample of event.getCoalescedEvents?.() ?? [event]) {
        const point = this.#position(sample);
        this.#line(this.#last, point);
        this.#last = point;
      }
      onStroke();
    });
    const end = event => {
      if (event.pointerId !== this.#pointer) {
        return;
      }
      this.#pointer = null;
      onStrokeEnd();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  /** Brush width: a pen stroke on a digit, about a tenth of the pad's shorter side. */
  get #brush() {
    return Math.max(4, Math.min(this.#canvas.width, this.#canvas.height) / 12);
  }

  resize(width, height) {
    this.#canvas.width = width;
    this.#canvas.height = height;
    this.#undo = [];
    this.clear();
  }

  clear() {
    this.#context.fillStyle = '#ffffff';
    this.#context.fillRect(0, 0, this.#canvas.width, this.#canvas.height);
  }

  clearWithUndo() {
    this.#remember();
    this.clear();
  }

  undo() {
    const previous = this.#undo.pop();
    if (!previous) {
      return false;
    }
    this.#context.putImageData(previous, 0, 0);
    return true;
  }

  get hasInk() {
    const pixels = this.#context.getImageData(0, 0, this.#canvas.width, this.#canvas.height).data;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i] < 250) {
        return true;
      }
    }
    return false;
  }

  /** Draws an image (an upload) centred and scaled to fit, on white, as a new undoable step. */
  drawImage(bitmap) {
    this.#remember();
    this.clear();
    const scale = Math.min(this.#canvas.width / bitmap.width, this.#canvas.height / bitmap.height);
    const width = bitmap.width * scale;
    const height = bitmap.height * scale;
    this.#context.drawImage(bitmap, (this.#canvas.width - width) / 2, (this.#canvas.height - height) / 2, width, height);
  }

  toBlob() {
    return new Promise(resolve => this.#canvas.toBlob(blob => resolve(new File([blob], 'drawing.png', { type: 'image/png' })), 'image/png'));
  }

  #remember() {
    this.#undo.push(this.#context.getImageData(0, 0, this.#canvas.width, this.#canvas.height));
    if (this.#undo.length > MaxUndo) {
      this.#undo.shift();
    }
  }

  #position(event) {
    const box = this.#canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * this.#canvas.width,
      y: ((event.clientY - box.top) / box.height) * this.#canvas.height,
      pressure: event.pointerType === 'pen' && event.pressure > 0 ? event.pressure : 0.5,
    };
  }

  #dot(point) {
    this.#context.fillStyle = '#000000';
    this.#context.beginPath();
    this.#context.arc(point.x, point.y, (this.#brush * (0.5 + point.pressure)) / 2, 0, Math.PI * 2);
    this.#context.fill();
  }

  #line(from, to) {
    const context = this.#context;
    context.strokeStyle = '#000000';
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.lineWidth = this.#brush * (0.5 + to.pressure);
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }
}
