// The drawing pad: ink on paper. For a gray model, dark ink on white, as on paper (the service inverts it to the data
// set's white on black); for a colour model, the ink and paper colours chosen beside the pad.
// A mouse, finger or pen draws; so does the keyboard, with a cursor (arrow keys) and a pen put down and lifted.
// The ink is kept on a layer of its own, shown over the paper, so a new paper colour goes under what is drawn.

const MaxUndo = 30;

export class DrawingPad {
  #canvas;
  #context;
  #ink = document.createElement('canvas');
  #inkContext = this.#ink.getContext('2d', { willReadFrequently: true });
  #inkColour = '#000000';
  #paperColour = '#ffffff';
  /** The narrowest stroke, in the pad's pixels: wide enough to survive the pad being scaled down to the model's size. */
  #thinnest = 0;
  #undo = [];
  #last = null;
  #pointer = null;
  #cursor;
  #keyboard = null;
  #status;
  #handlers;

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{cursor: HTMLElement, status: HTMLElement}} elements the keyboard's cursor, laid over the canvas, and a
   *   live region that says what the keyboard did
   * @param {{onStroke: () => void, onStrokeEnd: () => void, onClear: () => void}} handlers
   */
  constructor(canvas, { cursor, status }, handlers) {
    this.#canvas = canvas;
    this.#context = canvas.getContext('2d', { willReadFrequently: true });
    this.#ink.width = canvas.width;
    this.#ink.height = canvas.height;
    this.#cursor = cursor;
    this.#status = status;
    this.#handlers = handlers;
    const { onStroke, onStrokeEnd } = handlers;
    this.clear();
    canvas.addEventListener('pointerdown', event => {
      if (this.#pointer !== null) {
        return;
      }
      event.preventDefault();
      this.#liftKeyboardPen();
      this.#cursor.hidden = true;
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
      this.#render();
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
    canvas.addEventListener('keydown', event => this.#key(event));
    canvas.addEventListener('blur', () => {
      this.#liftKeyboardPen();
      this.#cursor.hidden = true;
    });
  }

  /** Whether a stroke is being drawn (by pointer or keyboard): its reconstructions are drafts. */
  get drawing() {
    return this.#pointer !== null || this.#keyboard?.penDown === true;
  }

  /** Brush width: a pen stroke on a digit, about a tenth of the pad's shorter side, and never under the thinnest. */
  get #brush() {
    return Math.max(4, Math.min(this.#canvas.width, this.#canvas.height) / 12, this.#thinnest);
  }

  /** Empties the pad if its size changes; strokes from now on are at least `thinnest` pixels wide. */
  resize(width, height, thinnest = 0) {
    this.#thinnest = thinnest;
    if (width === this.#canvas.width && height === this.#canvas.height) {
      return;
    }
    for (const canvas of [this.#canvas, this.#ink]) {
      canvas.width = width;
      canvas.height = height;
    }
    this.#undo = [];
    this.#keyboard = null;
    this.#cursor.hidden = true;
    this.clear();
  }

  /** The colour of the strokes to come; those drawn keep theirs. */
  set inkColour(colour) {
    this.#inkColour = colour;
  }

  /** The paper under every stroke, those drawn too. */
  set paperColour(colour) {
    this.#paperColour = colour;
    this.#render();
  }

  clear() {
    this.#inkContext.clearRect(0, 0, this.#ink.width, this.#ink.height);
    this.#render();
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
    this.#inkContext.putImageData(previous, 0, 0);
    this.#render();
    return true;
  }

  /** Whether anything is drawn: any pixel of the ink layer, whatever its colour. */
  get hasInk() {
    const pixels = this.#inkContext.getImageData(0, 0, this.#ink.width, this.#ink.height).data;
    for (let i = 3; i < pixels.length; i += 4) {
      if (pixels[i] > 0) {
        return true;
      }
    }
    return false;
  }

  /** Draws an image (an upload) centred and scaled to fit, on the paper, as a new undoable step. */
  drawImage(bitmap) {
    this.#remember();
    this.#inkContext.clearRect(0, 0, this.#ink.width, this.#ink.height);
    const scale = Math.min(this.#ink.width / bitmap.width, this.#ink.height / bitmap.height);
    const width = bitmap.width * scale;
    const height = bitmap.height * scale;
    this.#inkContext.drawImage(bitmap, (this.#ink.width - width) / 2, (this.#ink.height - height) / 2, width, height);
    this.#render();
  }

  /**
   * The pad as a PNG file, as it is shown: at the pad's own size, or scaled down to `size` (the model's) with the
   * browser's best smoothing, so that a thin stroke becomes a pale pixel rather than vanishing.
   * @param {{width: number, height: number} | null} [size]
   */
  toBlob(size = null) {
    let canvas = this.#canvas;
    if (size && (size.width !== canvas.width || size.height !== canvas.height)) {
      canvas = document.createElement('canvas');
      canvas.width = size.width;
      canvas.height = size.height;
      const context = canvas.getContext('2d');
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = 'high';
      context.drawImage(this.#canvas, 0, 0, size.width, size.height);
    }
    return new Promise(resolve => canvas.toBlob(blob => resolve(new File([blob], 'drawing.png', { type: 'image/png' })), 'image/png'));
  }

  /**
   * Arrow keys move the cursor (with Shift, four times as far) and draw while the pen is down; Space or Enter puts
   * the pen down or lifts it, Escape lifts it; Delete or Backspace clears the pad.
   */
  #key(event) {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (event.altKey || event.ctrlKey || event.metaKey || this.#pointer !== null) {
      return;
    }
    this.#keyboard ??= { x: this.#canvas.width / 2, y: this.#canvas.height / 2, penDown: false };
    const keyboard = this.#keyboard;
    if (event.key in moves) {
      const [dx, dy] = moves[event.key];
      const step = (this.#brush / 2) * (event.shiftKey ? 4 : 1);
      const from = { x: keyboard.x, y: keyboard.y, pressure: 0.5 };
      keyboard.x = Math.min(this.#canvas.width, Math.max(0, keyboard.x + (dx * step)));
      keyboard.y = Math.min(this.#canvas.height, Math.max(0, keyboard.y + (dy * step)));
      if (keyboard.penDown) {
        this.#line(from, { x: keyboard.x, y: keyboard.y, pressure: 0.5 });
        this.#render();
        this.#handlers.onStroke();
      }
      this.#say(`${keyboard.penDown ? 'Drawing' : 'Cursor'} at ${this.#where()}.`);
    } else if (event.key === ' ' || event.key === 'Enter') {
      if (keyboard.penDown) {
        this.#liftKeyboardPen();
      } else {
        keyboard.penDown = true;
        this.#remember();
        this.#dot({ x: keyboard.x, y: keyboard.y, pressure: 0.5 });
        this.#handlers.onStroke();
        this.#say(`Pen down at ${this.#where()}; arrow keys draw.`);
      }
    } else if (event.key === 'Escape' && keyboard.penDown) {
      this.#liftKeyboardPen();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      this.#liftKeyboardPen();
      this.#handlers.onClear();
      this.#say('Pad cleared.');
    } else {
      return;
    }

    event.preventDefault();
    this.#showCursor();
  }

  #liftKeyboardPen() {
    if (this.#keyboard?.penDown) {
      this.#keyboard.penDown = false;
      this.#say('Pen lifted.');
      this.#handlers.onStrokeEnd();
    }
  }

  #where() {
    const across = Math.round((this.#keyboard.x / this.#canvas.width) * 100);
    const down = Math.round((this.#keyboard.y / this.#canvas.height) * 100);
    return `${across}% across, ${down}% down`;
  }

  #say(message) {
    this.#status.textContent = message;
  }

  #showCursor() {
    const { x, y, penDown } = this.#keyboard;
    const style = this.#cursor.style;
    style.left = `${(x / this.#canvas.width) * 100}%`;
    style.top = `${(y / this.#canvas.height) * 100}%`;
    style.width = `${(this.#brush / this.#canvas.width) * 100}%`;
    this.#cursor.classList.toggle('pen-down', penDown);
    this.#cursor.hidden = false;
  }

  #remember() {
    this.#undo.push(this.#inkContext.getImageData(0, 0, this.#ink.width, this.#ink.height));
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

  /** Shows the paper, then the ink over it. */
  #render() {
    this.#context.fillStyle = this.#paperColour;
    this.#context.fillRect(0, 0, this.#canvas.width, this.#canvas.height);
    this.#context.drawImage(this.#ink, 0, 0);
  }

  #dot(point) {
    const context = this.#inkContext;
    context.fillStyle = this.#inkColour;
    context.beginPath();
    context.arc(point.x, point.y, (this.#brush * (0.5 + point.pressure)) / 2, 0, Math.PI * 2);
    context.fill();
    this.#render();
  }

  #line(from, to) {
    const context = this.#inkContext;
    context.strokeStyle = this.#inkColour;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.lineWidth = this.#brush * (0.5 + to.pressure);
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }
}
