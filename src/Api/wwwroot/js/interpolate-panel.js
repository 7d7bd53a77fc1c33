// "Interpolation": two images (the drawing, an upload or a test image from the map) and a strip of their blends.
import * as api from './api.js';
import { byId, fitToModel, guarded, runnerFor, setImage, showError } from './view.js';

export class InterpolatePanel {
  #model = null;
  /** The map's test images, which the slots' pickers offer; empty if the model has no map. */
  #examples = [];
  #slots = ['slot-first', 'slot-second'].map(id => ({ element: byId(id), image: null }));
  #steps = byId('steps');
  #strip = byId('strip');
  #error = byId('interpolate-error');
  #runner = runnerFor(this.#strip);

  /** @param {{drawing: () => Promise<Blob | null>}} sources where "Use the drawing" takes its image from */
  constructor({ drawing }) {
    for (const slot of this.#slots) {
      const picker = slot.element.querySelector('select.example');
      slot.element.querySelector('.use-drawing').addEventListener('click', async () => {
        const image = await drawing();
        if (image) {
          picker.value = '';
          await this.#fill(slot, image);
        }
      });
      picker.addEventListener('change', async () => {
        const example = this.#examples[Number(picker.value)];
        if (picker.value !== '' && example) {
          await this.#fill(slot, await api.base64ToBlob(example.image));
        }
      });
      slot.element.querySelector('.slot-upload').addEventListener('change', async event => {
        const file = event.target.files[0];
        event.target.value = '';
        if (file) {
          picker.value = '';
          await this.#fill(slot, file);
        }
      });
    }

    this.#steps.addEventListener('input', () => {
      byId('steps-value').textContent = this.#steps.value;
    });
    this.#steps.addEventListener('change', () => {
      if (this.#strip.children.length > 0) {
        this.#build();
      }
    });
    byId('build-strip').addEventListener('click', () => this.#build());
  }

  /** Empties the strip and the slots, which then offer the map's test images (null: none), the first two chosen. */
  setModel(model, map) {
    this.#model = model;
    this.#examples = map?.examples ?? [];
    this.#strip.replaceChildren();
    this.#slots.forEach((slot, index) => {
      const picker = slot.element.querySelector('select.example');
      picker.replaceChildren(new Option('choose…', ''), ...this.#examples.map((example, i) => new Option(`label ${example.label}`, String(i))));
      picker.disabled = !map;
      slot.image = null;
      slot.element.querySelector('img').removeAttribute('src');
      const example = this.#examples[index];
      if (example) {
        picker.value = String(index);
        api.base64ToBlob(example.image).then(blob => model === this.#model && this.#fill(slot, blob));
      }
    });
  }

  async #fill(slot, blob) {
    slot.image = blob;
    await setImage(slot.element.querySelector('img'), await api.blobToDataUrl(blob));
  }

  #build() {
    const [first, second] = this.#slots.map(slot => slot.image);
    if (!first || !second) {
      showError(this.#error, new Error('Choose a first and a second image.'));
      return;
    }
    const steps = Number(this.#steps.value);
    this.#runner.submit(() => guarded(this.#error, async () => {
      const model = this.#model;
      const result = await api.interpolate(model.name, first, second, steps);
      if (model !== this.#model) {
        return;
      }
      const frames = [
        { image: result.first, weight: 0 },
        ...result.frames.map((image, i) => ({ image, weight: result.weights[i] })),
        { image: result.second, weight: 1 },
      ];
      this.#strip.replaceChildren(...frames.map(frame => {
        const item = document.createElement('li');
        const img = document.createElement('img');
        img.className = 'pixels';
        fitToModel(img, model);
        img.src = api.pngDataUrl(frame.image);
        img.alt = `Blend with weight ${frame.weight.toFixed(3)} of the second image`;
        const caption = document.createElement('span');
        caption.textContent = `w = ${frame.weight === 0 || frame.weight === 1 ? frame.weight : frame.weight.toFixed(3)}`;
        item.append(img, caption);
        return item;
      }));
    }));
  }
}
