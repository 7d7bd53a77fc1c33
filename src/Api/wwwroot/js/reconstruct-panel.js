// "Draw or upload": the pad, uploads (picker, drop, paste), and what the model makes of the image.
import * as api from './api.js';
import { DrawingPad } from './pad.js';
import { byId, fitToModel, guarded, runnerFor, setImage } from './view.js';

const PadLongSide = 280;
/** A stroke on a pad sent at the model's size is at least this many of the model's pixels wide. */
const ThinnestStrokeInModelPixels = 1.5;
const GrayInk = '#000000';
const GrayPaper = '#ffffff';
const StrokeThrottleMs = 40;
const Prompt = 'Draw a stroke, or upload, drop or paste an image.';

export class ReconstructPanel {
  #model = null;
  /** The size the pad is sent at (the model's), or null to send it whole. */
  #sendSize = null;
  /** An upload the service judges itself (the browser may not be able to draw it), else null: the pad is the image. */
  #upload = null;
  #strokeEndedAt = null;
  #strokeTimer = 0;
  #pad;
  #runner;
  #onEncoded;
  #onImageChange;
  #views = { input: byId('input-view'), reconstruction: byId('reconstruction-view') };
  #facts = byId('reconstruct-facts');
  #unusual = byId('unusual');
  #heatMap = { figure: byId('heat-map-figure'), view: byId('heat-map-view') };
  #error = byId('reconstruct-error');
  #colours = { group: byId('pad-colours'), ink: byId('ink-colour'), paper: byId('paper-colour') };
  #sends = byId('pad-sends');

  /**
   * @param {{onEncoded: (result: {latent: number[], image: string}) => Promise<void>, onImageChange: () => void}} handlers
   *   told of each reconstruction, and of each change to the image (a stroke, even unfinished; undo, clear, an upload)
   */
  constructor({ onEncoded, onImageChange }) {
    this.#onEncoded = onEncoded;
    this.#onImageChange = onImageChange;
    this.#runner = runnerFor(this.#views.reconstruction);
    const canvas = byId('pad');
    this.#pad = new DrawingPad(canvas, { cursor: byId('pad-cursor'), status: byId('pad-status') }, {
      onStroke: () => {
        this.#upload = null;
        this.#strokeEndedAt = null;
        if (!this.#strokeTimer) {
          this.#strokeTimer = setTimeout(() => {
            this.#strokeTimer = 0;
            this.#imageChanged();
          }, StrokeThrottleMs);
        }
      },
      onStrokeEnd: () => {
        clearTimeout(this.#strokeTimer);
        this.#strokeTimer = 0;
        this.#strokeEndedAt = performance.now();
        this.#imageChanged();
      },
      onClear: () => this.#clearPad(),
    });

    byId('undo').addEventListener('click', () => {
      if (this.#pad.undo()) {
        this.#upload = null;
        this.#imageChanged();
      }
    });
    byId('clear').addEventListener('click', () => this.#clearPad());
    this.#colours.ink.addEventListener('input', () => {
      this.#pad.inkColour = this.#colours.ink.value;
    });
    this.#colours.paper.addEventListener('input', () => {
      this.#pad.paperColour = this.#colours.paper.value;
      if (!this.#upload && this.#pad.hasInk) {
        this.#imageChanged();
      }
    });
    byId('upload').addEventListener('change', event => {
      this.#useUpload(event.target.files[0]);
      event.target.value = '';
    });
    canvas.addEventListener('dragover', event => {
      event.preventDefault();
      canvas.classList.add('dragover');
    });
    canvas.addEventListener('dragleave', () => canvas.classList.remove('dragover'));
    canvas.addEventListener('drop', event => {
      event.preventDefault();
      canvas.classList.remove('dragover');
      this.#useUpload(event.dataTransfer.files[0]);
    });
    document.addEventListener('paste', event => {
      const file = [...(event.clipboardData?.files ?? [])].find(item => item.type.startsWith('image/'));
      if (file) {
        event.preventDefault();
        this.#useUpload(file);
      }
    });
  }

  /** Whether there is an image (a drawing or an upload) to reconstruct. */
  get hasImage() {
    return this.#upload !== null || this.#pad.hasInk;
  }

  /** The image as the service should get it: the upload itself, else the pad as a PNG; null if there is none. */
  async currentImage() {
    return this.#upload ?? (this.#pad.hasInk ? this.#pad.toBlob(this.#sendSize) : null);
  }

  /**
   * Adapts the pad and views to the model's image size and channels; the caller decides when to reconstruct. A colour
   * model's pad takes the ink and paper colours chosen beside it, a gray model's is black on white.
   */
  setModel(model) {
    this.#model = model;
    fitToModel(this.#views.input, model);
    fitToModel(this.#views.reconstruction, model);
    const { channels, width, height } = model.image;
    const colour = channels === 3;
    const padWidth = width >= height ? PadLongSide : Math.round((PadLongSide * width) / height);
    const padHeight = height >= width ? PadLongSide : Math.round((PadLongSide * height) / width);
    // A gray model's handling finds the drawing on the pad and crops to it, which needs the pad whole; a colour model's
    // only scales the whole picture to its size, and "none" takes no other size, so those get the pad at their size.
    this.#sendSize = colour || model.imageHandling === 'none' ? { width, height } : null;
    this.#pad.resize(padWidth, padHeight, this.#sendSize ? ThinnestStrokeInModelPixels * (padWidth / width) : 0);
    this.#colours.group.hidden = !colour;
    this.#pad.inkColour = colour ? this.#colours.ink.value : GrayInk;
    this.#pad.paperColour = colour ? this.#colours.paper.value : GrayPaper;
    this.#sends.textContent = this.#sendSize
      ? `The pad is sent as a ${width}×${height} ${colour ? 'RGB' : 'gray'} PNG, the model's own size${colour ? ': your ink on your paper, in their colours' : ''}.`
      : `The pad is sent whole (${padWidth}×${padHeight}, dark ink on white); the service finds the drawing on it and makes it the model's ${width}×${height} gray input, shown as what the model saw.`;
    if (!this.hasImage) {
      this.#clearViews();
    }
  }

  request() {
    this.#runner.submit(() => guarded(this.#error, () => this.#reconstructNow()));
  }

  async #reconstructNow() {
    const model = this.#model;
    // The pad is taken as it is now, though its PNG is ready only later: whether the pen had lifted is read now too, or
    // a draft of the stroke whose PNG came after the pen lifted would pass for the finished drawing.
    const requested = performance.now();
    const liftedAt = this.#strokeEndedAt;
    const finished = !this.#pad.drawing;
    const image = await this.currentImage();
    if (!image) {
      this.#clearViews();
      return;
    }
    // Only a finished image gets a verdict (not each draft of a stroke), and only from a model that can give one. It
    // is asked for alongside the reconstruction, which is shown as soon as it comes; the verdict follows.
    const scoring = finished && Boolean(model.validationErrors) ? api.score(model.name, image) : null;
    scoring?.catch(() => {}); // its failure is reported by the await below, unless the reconstruction's comes first
    const result = await api.reconstruct(model.name, image);
    if (model !== this.#model) {
      return;
    }
    await Promise.all([
      setImage(this.#views.input, api.pngDataUrl(result.input)),
      setImage(this.#views.reconstruction, api.pngDataUrl(result.image)),
    ]);
    const facts = [`mean squared error ${result.meanSquaredError.toFixed(4)}`];
    if (typeof result.percentile === 'number') {
      facts.push(`higher than ${result.percentile.toFixed(0)}% of the validation images'`);
    }
    if (liftedAt !== null && requested >= liftedAt) {
      const shownAfter = performance.now() - liftedAt;
      this.#views.reconstruction.dataset.liftToShownMs = shownAfter.toFixed(1);
      facts.push(`shown ${shownAfter.toFixed(0)} ms after the pen lifted`);
      this.#strokeEndedAt = null;
    }
    this.#facts.textContent = `${facts.join('; ')}.`;
    this.#showVerdict(null);
    await this.#onEncoded({ latent: result.latent, image: api.pngDataUrl(result.image) });
    const score = await scoring;
    if (model !== this.#model) {
      return;
    }
    this.#showVerdict(score);
    // A one-class model's verdict comes with where the image differs from what the model knows.
    if (score?.novelty) {
      const map = await api.heatMap(model.name, image);
      if (model === this.#model) {
        await setImage(this.#heatMap.view, map);
        this.#heatMap.figure.hidden = false;
      }
    }
  }

  #hideHeatMap() {
    this.#heatMap.figure.hidden = true;
    this.#heatMap.view.removeAttribute('src');
  }

  #showVerdict(score) {
    if (!score?.novelty) {
      this.#hideHeatMap();
    }
    delete this.#unusual.dataset.percentile;
    delete this.#unusual.dataset.anomaly;
    this.#unusual.classList.remove('normal');
    if (score?.novelty) {
      this.#showNovelty(score.novelty);
      return;
    }
    const unusual = score?.unusual === true;
    this.#unusual.hidden = !unusual;
    if (!unusual) {
      this.#unusual.textContent = '';
      return;
    }
    // Above the highest recorded percentile the percentile says only "100": the multiple of the threshold says how far.
    const { percentile, meanSquaredError, threshold } = score;
    let rank = '';
    if (percentile >= 100) {
      rank = "higher than any of the validation images', ";
    } else if (typeof percentile === 'number') {
      rank = `higher than ${percentile.toFixed(1)}% of the validation images', `;
    }
    this.#unusual.textContent = `Unusual for this model: its error is ${rank}${(meanSquaredError / threshold).toFixed(1)}× the threshold.`;
    if (typeof percentile === 'number') {
      this.#unusual.dataset.percentile = String(percentile);
    }
  }

  // A one-class model's verdict is the point of asking it, so it is shown either way: normal or an anomaly, with the
  // combined score against the threshold and each term that counts in it.
  #showNovelty(novelty) {
    const { score, percentile, threshold, isAnomaly, components } = novelty;
    const terms = components
      .filter((term) => term.weight > 0)
      .map((term) => `${term.name} ${term.normalised.toFixed(1)}`)
      .join(', ');
    const rank = percentile >= 100 ? "above every held-out normal image's" : `above ${percentile.toFixed(1)}% of the held-out normal images'`;
    const verdict = isAnomaly ? 'An anomaly for this model' : 'Normal for this model';
    this.#unusual.textContent = `${verdict}: novelty score ${score.toFixed(2)} (threshold ${threshold.toFixed(2)}), ${rank}; ${terms}.`;
    this.#unusual.classList.toggle('normal', !isAnomaly);
    this.#unusual.dataset.anomaly = String(isAnomaly);
    this.#unusual.dataset.percentile = String(percentile);
    this.#unusual.hidden = false;
  }

  #clearViews() {
    this.#hideHeatMap();
    this.#views.input.removeAttribute('src');
    this.#views.reconstruction.removeAttribute('src');
    this.#facts.textContent = Prompt;
    this.#showVerdict(null);
  }

  #clearPad() {
    this.#pad.clearWithUndo();
    this.#upload = null;
    this.#imageChanged();
  }

  async #useUpload(file) {
    if (!file) {
      return;
    }
    // The file itself goes to the service (so it judges the format); the pad shows it if the browser can draw it.
    this.#upload = file;
    this.#strokeEndedAt = null;
    try {
      const bitmap = await createImageBitmap(file);
      this.#pad.drawImage(bitmap);
      bitmap.close();
    } catch {
      this.#pad.clearWithUndo();
    }
    this.#imageChanged();
  }

  #imageChanged() {
    this.request();
    this.#onImageChange();
  }
}
