// "Latent map": the model's test images in 2-D; a picked point is decoded, the current image is ringed.
import * as api from './api.js';
import { LatentMapView, colourOf } from './map.js';
import { byId, fitToModel, guarded, runnerFor, setImage } from './view.js';

export class MapPanel {
  #model = null;
  #mapView;
  #view = byId('map-view');
  #point = byId('map-point');
  #caption = byId('map-caption');
  #legend = byId('map-legend');
  #help = byId('map-help');
  #error = byId('map-error');
  #runner = runnerFor(this.#view);

  constructor() {
    this.#mapView = new LatentMapView(byId('map-canvas'), (x, y) => this.#decodeAt(x, y));
  }

  /** Loads and draws the model's map; resolves to the map, or null if the model has none or another was chosen meanwhile. */
  async setModel(model) {
    this.#model = model;
    fitToModel(this.#view, model);
    this.#legend.replaceChildren();
    this.#view.removeAttribute('src');
    this.#point.textContent = '';
    this.#mapView.show(null);
    this.#help.hidden = !model.hasLatentMap;
    if (!model.hasLatentMap) {
      this.#caption.textContent = `Model '${model.name}' has no latent map (latent-map.json in its folder); \`autoencoder-train latent-map\` makes one.`;
      return null;
    }
    this.#caption.textContent = '';
    const map = await api.latentMap(model.name);
    if (model !== this.#model) {
      return null;
    }
    this.#mapView.show(map);
    const [first, second] = map.explainedVariance.map(share => `${(share * 100).toFixed(0)}%`);
    this.#caption.textContent = `${map.points.length} ${map.dataset} images, placed by the two main directions of their latents (${first} and ${second} of the variance). The ring marks your image.`;
    const labels = [...new Set(map.points.map(point => point.label))].sort((a, b) => a - b);
    this.#legend.append(...labels.map(label => {
      const entry = document.createElement('span');
      const dot = document.createElement('i');
      dot.style.background = colourOf(label);
      entry.append(dot, `label ${label}`);
      return entry;
    }));
    return map;
  }

  /** Rings where an image's latent lies on the map. */
  mark(latent) {
    this.#mapView.mark(latent);
  }

  #decodeAt(x, y) {
    const latent = this.#mapView.latentAt(x, y);
    this.#point.textContent = `(${x.toFixed(2)}, ${y.toFixed(2)})`;
    this.#runner.submit(() => guarded(this.#error, async () => {
      const model = this.#model;
      const image = await api.decode(model.name, latent);
      if (model === this.#model) {
        await setImage(this.#view, image);
        this.#view.dataset.decodes = String(Number(this.#view.dataset.decodes ?? 0) + 1);
      }
    }));
  }
}
