// "Latent sliders": one slider per latent number, each move decoded live.
import * as api from './api.js';
import { byId, fitToModel, guarded, runnerFor, setImage } from './view.js';

export class SlidersPanel {
  #model = null;
  #latent = [];
  /** The latent of the image last reconstructed, which Reset returns to; null until there is one. */
  #encoded = null;
  #decodeTimes = [];
  #view = byId('slider-view');
  #grid = byId('latent-sliders');
  #pace = byId('slider-pace');
  #error = byId('sliders-error');
  #runner = runnerFor(this.#view);

  constructor() {
    byId('reset').addEventListener('click', () => {
      if (this.#encoded) {
        this.#setLatent(this.#encoded);
        this.decode();
      }
    });
    byId('randomise').addEventListener('click', () => {
      const around = this.#encoded ?? this.#latent;
      const spread = Math.max(0.5, 0.3 * Math.sqrt(around.reduce((sum, value) => sum + (value * value), 0) / around.length));
      this.#setLatent(around.map(value => value + (gaussian() * spread)));
      this.decode();
    });
  }

  /** One slider per latent number of the model, all at 0 until start or showEncoded says where. */
  setModel(model) {
    this.#model = model;
    this.#encoded = null;
    fitToModel(this.#view, model);
    this.#build(model.latentSize);
    this.start(new Array(model.latentSize).fill(0));
  }

  /** Moves the sliders to a starting latent (the map's mean, say), without decoding it. */
  start(latent) {
    this.#setLatent(latent, { rescale: true });
  }

  /** Shows an image's latent and its reconstruction, which the sliders then move away from. */
  async showEncoded(latent, image) {
    this.#encoded = [...latent];
    this.#setLatent(latent, { rescale: true });
    await setImage(this.#view, image);
  }

  /** Moves the sliders to a code (a generated sample's, say) and decodes it. */
  show(latent) {
    this.#setLatent(latent, { rescale: true });
    this.decode();
  }

  decode() {
    const latent = [...this.#latent];
    this.#runner.submit(() => guarded(this.#error, async () => {
      const model = this.#model;
      const image = await api.decode(model.name, latent);
      if (model === this.#model) {
        await setImage(this.#view, image);
        this.#countDecode();
      }
    }));
  }

  #build(size) {
    this.#grid.setAttribute('aria-label', `Latent vector: ${size} numbers`);
    this.#grid.replaceChildren(...Array.from({ length: size }, (_, i) => {
      const row = document.createElement('div');
      row.className = 'latent';
      const input = document.createElement('input');
      input.type = 'range';
      input.step = '0.01';
      input.id = `latent-${i}`;
      // The visible label is the slider's whole name (z1, z2, ...), so speech input can say what it sees.
      const label = document.createElement('label');
      label.htmlFor = input.id;
      label.textContent = `z${i + 1}`;
      const output = document.createElement('output');
      output.htmlFor = input.id;
      input.addEventListener('input', () => {
        this.#latent[i] = Number(input.value);
        output.textContent = this.#latent[i].toFixed(2);
        this.decode();
      });
      row.append(label, input, output);
      return row;
    }));
  }

  #setLatent(latent, { rescale = false } = {}) {
    this.#latent = [...latent];
    const range = sliderRange(latent);
    this.#grid.querySelectorAll('input').forEach((input, i) => {
      if (rescale || Math.abs(latent[i]) > Number(input.max || 0)) {
        input.min = String(-range);
        input.max = String(range);
      }
      input.value = String(latent[i]);
      input.nextElementSibling.textContent = latent[i].toFixed(2);
    });
  }

  #countDecode() {
    const now = performance.now();
    this.#decodeTimes = [...this.#decodeTimes.filter(time => now - time < 1000), now];
    this.#view.dataset.decodes = String(Number(this.#view.dataset.decodes ?? 0) + 1);
    this.#pace.textContent = `(${this.#decodeTimes.length} decodes in the last second)`;
  }
}

function sliderRange(latent) {
  const largest = Math.max(...latent.map(Math.abs), 1);
  return Math.ceil(largest * 1.5);
}

function gaussian() {
  const u = 1 - Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}
