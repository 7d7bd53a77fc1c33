// The playground page: one model at a time, its facts read from GET /models, never assumed. Each panel owns its part
// of the page and its state; this file only wires them together and switches models.
import * as api from './js/api.js';
import { DenoisePanel } from './js/denoise-panel.js';
import { GeneratePanel } from './js/generate-panel.js';
import { InterpolatePanel } from './js/interpolate-panel.js';
import { MapPanel } from './js/map-panel.js';
import { ReconstructPanel } from './js/reconstruct-panel.js';
import { SlidersPanel } from './js/sliders-panel.js';
import { byId, guarded } from './js/view.js';

function describe(model) {
  const { channels, height, width } = model.image;
  byId('model-facts').textContent = `${model.latentSize}-number latent; ${width}×${height} images (${channels} channel${channels === 1 ? '' : 's'}); trained on ${model.dataset.name}`;
}

async function start() {
  const sliders = new SlidersPanel();
  const map = new MapPanel();
  // The denoising panel shows the drawing when asked; the pad tells it of each change.
  const denoise = new DenoisePanel({ drawing: () => reconstruct.currentImage() });
  const reconstruct = new ReconstructPanel({
    // A reconstruction moves the sliders to the image's latent and rings it on the map.
    onEncoded: async ({ latent, image }) => {
      map.mark(latent);
      await sliders.showEncoded(latent, image);
    },
    onImageChange: () => denoise.drawingChanged(),
  });
  // A generated sample's code goes to the sliders, which decode it.
  const generate = new GeneratePanel({ onPick: latent => sliders.show(latent) });
  const interpolate = new InterpolatePanel({ drawing: () => reconstruct.currentImage() });
  const models = await api.listModels();

  let chosen = null;
  async function choose(model) {
    chosen = model;
    describe(model);
    reconstruct.setModel(model);
    sliders.setModel(model);
    generate.setModel(model);
    interpolate.setModel(model, null);
    const latentMap = await map.setModel(model);
    if (model !== chosen) {
      return;
    }
    interpolate.setModel(model, latentMap);
    denoise.setModel(model, models, latentMap);
    if (latentMap) {
      sliders.start(latentMap.mean);
    }
    if (reconstruct.hasImage) {
      reconstruct.request();
    } else {
      sliders.decode();
    }
  }

  const picker = byId('model');
  picker.replaceChildren(...models.map(model => new Option(model.name, model.name, model.isDefault, model.isDefault)));
  picker.addEventListener('change', () => guarded(byId('page-error'), () => choose(models.find(model => model.name === picker.value))));
  await choose(models.find(model => model.name === picker.value));
  document.body.dataset.ready = 'true';
}

guarded(byId('page-error'), start);
