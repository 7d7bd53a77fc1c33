// "Generate": codes drawn from the model's latent prior, decoded into a grid of new images; a click on one hands its
// code to the latent sliders.
import * as api from './api.js';
import { byId, fitToModel, guarded, runnerFor, showError } from './view.js';

/** Samples in one grid: enough to see the prior's variety, few enough to decode at once. */
const COUNT = 16;

export class GeneratePanel {
  #model = null;
  /** The codes of the samples shown, in grid order. */
  #latents = [];
  #button = byId('generate-button');
  #temperature = byId('temperature');
  #caption = byId('generate-caption');
  #facts = byId('generate-facts');
  #samples = byId('samples');
  #error = byId('generate-error');
  #runner = runnerFor(this.#samples);
  #onPick;

  /** @param {{onPick: (latent: number[]) => void}} handlers what a click on a sample does with its code */
  constructor({ onPick }) {
    this.#onPick = onPick;
    this.#temperature.addEventListener('input', () => {
      byId('temperature-value').textContent = Number(this.#temperature.value).toFixed(2);
    });
    this.#button.addEventListener('click', () => this.#generate());
  }

  /** Empties the grid; a model without a latent prior cannot generate, and the panel says how to give it one. */
  setModel(model) {
    this.#model = model;
    this.#latents = [];
    this.#samples.replaceChildren();
    this.#facts.textContent = '';
    showError(this.#error, null);
    const prior = model.prior;
    this.#button.disabled = !prior;
    if (!prior) {
      this.#caption.textContent = `Model '${model.name}' has no latent prior to sample from; \`autoencoder-train fit-prior --model DIR --data DIR\` fits one to its training images' codes.`;
      return;
    }
    const components = prior.components === 1 ? 'one Gaussian' : `${prior.components} Gaussians`;
    const fitted = prior.fittedTo ? ` fitted to ${prior.fittedTo}` : '';
    this.#caption.textContent = `New images from codes drawn from the model's latent prior (${prior.kind}: ${components}${fitted}). Temperature scales how far each code strays from its Gaussian's mean. Click a sample to load its code into the latent sliders.`;
  }

  #generate() {
    const temperature = Number(this.#temperature.value);
    this.#runner.submit(() => guarded(this.#error, async () => {
      const model = this.#model;
      const result = await api.generate(model.name, COUNT, temperature);
      if (model !== this.#model) {
        return;
      }
      this.#latents = result.latents;
      this.#facts.textContent = `seed ${result.seed}, temperature ${result.temperature}`;
      this.#samples.replaceChildren(...result.images.map((image, i) => {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'sample';
        button.setAttribute('aria-label', `Sample ${i + 1}: load its code into the latent sliders`);
        const img = document.createElement('img');
        img.className = 'pixels';
        fitToModel(img, model);
        img.src = api.pngDataUrl(image);
        img.alt = '';
        button.append(img);
        button.addEventListener('click', () => this.#onPick([...this.#latents[i]]));
        item.append(button);
        return item;
      }));
    }));
  }
}
