// "Denoising": noise of a chosen kind and level added on the server to an image (the drawing or upload, or a test image
// from the map), and what the data set's denoiser makes of it, clean | noisy | denoised, with the PSNR of each against clean.
import * as api from './api.js';
import { byId, fitToModel, guarded, setImage, showError } from './view.js';

/** A slider drag or a stroke on the pad asks once it pauses this long, not at every step. */
const DebounceMs = 150;
const Drawing = 'drawing';
const Kinds = {
  gaussian: { name: 'Gaussian', level: 'standard deviation' },
  'salt-pepper': { name: 'Salt and pepper', level: 'of the pixels set to black or white' },
  mask: { name: 'Mask', level: 'of the pixels set to black' },
};

export class DenoisePanel {
  #model = null;
  /** The model that cleans the chosen model's images: a denoiser of its data set, or null if none is loaded. */
  #denoiser = null;
  /** The highest level the denoiser was trained on, by noise kind: the slider's range. */
  #ranges = new Map();
  #examples = [];
  #seed = randomSeed();
  /** Whether the level is the user's; until it is, it follows the highest trained level of the chosen kind. */
  #levelChosen = false;
  #timer = 0;
  #running = false;
  #drawing;
  #source = byId('denoise-source');
  #kind = byId('noise-kind');
  #level = byId('noise-level');
  #caption = byId('denoise-caption');
  #facts = byId('denoise-facts');
  #error = byId('denoise-error');
  #group = byId('denoise-views');
  #views = { clean: byId('clean-view'), noisy: byId('noisy-view'), denoised: byId('denoised-view') };
  #psnr = { noisy: byId('noisy-psnr'), denoised: byId('denoised-psnr') };
  #runner = new api.LatestOnly(busy => {
    this.#running = busy;
    this.#showBusy();
  });

  /** @param {{drawing: () => Promise<Blob | null>}} sources the drawing or upload of the first panel */
  constructor({ drawing }) {
    this.#drawing = drawing;
    this.#showBusy();
    this.#source.addEventListener('change', () => this.#request());
    this.#kind.addEventListener('change', () => {
      this.#showRange();
      this.#schedule();
    });
    this.#level.addEventListener('input', () => {
      this.#levelChosen = true;
      this.#showLevel();
      this.#schedule();
    });
    byId('new-noise').addEventListener('click', () => {
      this.#seed = randomSeed();
      this.#request();
    });
  }

  /**
   * Finds the denoiser for the model's data set and images (channels and size) among the loaded models (the model
   * itself if it is one), offers the map's test images (map null: none), and shows the chosen image cleaned.
   */
  setModel(model, models, map) {
    this.#model = model;
    this.#denoiser = model.noise
      ? model
      : models.find(candidate => candidate.noise && candidate.dataset.name === model.dataset.name && sameImages(candidate, model)) ?? null;
    Object.values(this.#views).forEach(view => fitToModel(view, model));
    this.#offerSources(map?.examples ?? []);
    const controls = [this.#source, this.#kind, this.#level, byId('new-noise')];
    controls.forEach(control => {
      control.disabled = !this.#denoiser;
    });
    if (!this.#denoiser) {
      clearTimeout(this.#timer);
      this.#timer = 0;
      this.#showBusy();
      this.#kind.replaceChildren();
      this.#caption.textContent = `No denoiser for the ${model.dataset.name} data set is loaded: a model trained with \`train --noise ...\` on it would clean its images here.`;
      this.#clearViews('');
      showError(this.#error, null);
      return;
    }
    this.#offerKinds(this.#denoiser.noise);
    const trained = this.#denoiser.noise.map(noise => noise.replace(':', ' ').replace('-', '–')).join(', ');
    this.#caption.textContent = `The service adds the chosen noise to the image, then ${this.#denoiser.name} (trained on ${trained}) removes it. PSNR is against the clean image: higher is closer.`;
    this.#request();
  }

  /** The drawing or upload changed: shown again once it settles, if it is the image shown. */
  drawingChanged() {
    if (this.#denoiser && this.#source.value === Drawing) {
      this.#schedule();
    }
  }

  #offerSources(examples) {
    const previous = this.#source.value;
    this.#examples = examples;
    this.#source.replaceChildren(
      new Option('the drawing or upload', Drawing),
      ...examples.map((example, i) => new Option(`test image, label ${example.label}`, String(i))));
    const keep = [...this.#source.options].some(option => option.value === previous);
    this.#source.value = keep ? previous : (examples.length > 0 ? '0' : Drawing);
  }

  /** One option per kind of noise the denoiser learned, its slider ending at the highest level it learned. */
  #offerKinds(noises) {
    const previous = this.#kind.value;
    this.#ranges = new Map();
    for (const noise of noises) {
      const [kind, levels] = noise.split(':');
      const highest = Number(levels.split('-').at(-1));
      this.#ranges.set(kind, Math.max(highest, this.#ranges.get(kind) ?? 0));
    }
    this.#kind.replaceChildren(...[...this.#ranges.keys()].map(kind => new Option(Kinds[kind]?.name ?? kind, kind)));
    if (this.#ranges.has(previous)) {
      this.#kind.value = previous;
    }
    this.#showRange();
  }

  /** The slider spans the chosen kind's trained levels; a level beyond them moves to its end. */
  #showRange() {
    const highest = this.#ranges.get(this.#kind.value) ?? 1;
    this.#level.max = String(highest);
    if (!this.#levelChosen || Number(this.#level.value) > highest) {
      this.#level.value = String(highest);
    }
    this.#showLevel();
  }

  #showLevel() {
    byId('noise-level-value').textContent = Number(this.#level.value).toFixed(2);
    byId('noise-level-meaning').textContent = Kinds[this.#kind.value]?.level ?? '';
  }

  /** Asks once the controls have been still for a moment; the views are busy from the first change. */
  #schedule() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = 0;
      this.#request();
    }, DebounceMs);
    this.#showBusy();
  }

  #request() {
    clearTimeout(this.#timer);
    this.#timer = 0;
    if (!this.#denoiser) {
      return;
    }
    const asked = { source: this.#source.value, noise: `${this.#kind.value}:${this.#level.value}`, seed: this.#seed };
    this.#runner.submit(() => guarded(this.#error, () => this.#denoiseNow(asked)));
    this.#showBusy();
  }

  #showBusy() {
    this.#group.setAttribute('aria-busy', String(this.#running || this.#timer !== 0));
  }

  async #denoiseNow({ source, noise, seed }) {
    const denoiser = this.#denoiser;
    const image = await this.#image(source);
    if (!image) {
      this.#clearViews(this.#examples.length > 0 ? 'Draw or upload an image in the first panel, or choose a test image.' : 'Draw or upload an image in the first panel.');
      return;
    }
    const result = await api.denoise(denoiser.name, image, { noise, seed });
    if (denoiser !== this.#denoiser) {
      return;
    }
    const [kind, level] = result.noise.split(':');
    const described = `${Kinds[kind]?.name.toLowerCase() ?? kind} noise at level ${level}`;
    this.#views.clean.alt = 'The clean image, as the denoiser takes it before noise is added';
    this.#views.noisy.alt = `The image with ${described} added`;
    this.#views.denoised.alt = `What ${result.model} made of the noisy image`;
    await Promise.all([
      setImage(this.#views.clean, api.pngDataUrl(result.input)),
      setImage(this.#views.noisy, api.pngDataUrl(result.noisy)),
      setImage(this.#views.denoised, api.pngDataUrl(result.image)),
    ]);
    this.#psnr.noisy.textContent = psnrText(result.noisyPsnr);
    this.#psnr.denoised.textContent = psnrText(result.denoisedPsnr);
    const gain = result.noisyPsnr !== null && result.denoisedPsnr !== null
      ? `; ${result.model} ${result.denoisedPsnr >= result.noisyPsnr ? 'gained' : 'lost'} ${Math.abs(result.denoisedPsnr - result.noisyPsnr).toFixed(2)} dB`
      : '';
    this.#facts.textContent = `${described}, seed ${result.seed}${gain}.`;
  }

  async #image(source) {
    if (source === Drawing) {
      return this.#drawing();
    }
    const example = this.#examples[Number(source)];
    return example ? api.base64ToBlob(example.image) : null;
  }

  #clearViews(facts) {
    Object.values(this.#views).forEach(view => view.removeAttribute('src'));
    Object.values(this.#psnr).forEach(psnr => {
      psnr.textContent = '';
    });
    this.#facts.textContent = facts;
  }
}

/** Whether two models take and give images of the same channels and size: one's pictures are the other's. */
function sameImages(first, second) {
  return ['channels', 'height', 'width'].every(key => first.image[key] === second.image[key]);
}

function psnrText(psnr) {
  return psnr === null ? '(identical to the clean image)' : `(PSNR ${psnr.toFixed(2)} dB)`;
}

function randomSeed() {
  return Math.floor(Math.random() * 2147483647);
}
