// The playground page: one model at a time, its facts read from GET /models, never assumed.
import * as api from './js/api.js';
import { DrawingPad } from './js/pad.js';
import { LatentMapView, colourOf } from './js/map.js';

const $ = id => document.getElementById(id);
const PadLongSide = 280;
const StrokeThrottleMs = 40;

const state = {
  models: [],
  model: null,
  /** What is being reconstructed: the pad, or an upload the browser could not draw onto it. */
  upload: null,
  encoded: null,
  latent: null,
  strokeEndedAt: null,
  decodeTimes: [],
};

const runners = {
  reconstruct: new api.LatestOnly(),
  sliders: new api.LatestOnly(),
  map: new api.LatestOnly(),
  strip: new api.LatestOnly(),
};

function showError(id, error) {
  const element = $(id);
  if (error) {
    element.textContent = error.message;
    element.hidden = false;
  } else {
    element.hidden = true;
    element.textContent = '';
  }
}

async function guarded(errorId, work) {
  try {
    await work();
    showError(errorId, null);
  } catch (error) {
    showError(errorId, error);
  }
}

async function setImage(img, source) {
  img.src = source;
  await img.decode().catch(() => {});
}

// ---- Draw, upload, reconstruct ----

let strokeTimer = 0;
const pad = new DrawingPad($('pad'), {
  onStroke: () => {
    state.upload = null;
    state.strokeEndedAt = null;
    if (!strokeTimer) {
      strokeTimer = setTimeout(() => {
        strokeTimer = 0;
        requestReconstruction();
      }, StrokeThrottleMs);
    }
  },
  onStrokeEnd: () => {
    clearTimeout(strokeTimer);
    strokeTimer = 0;
    state.strokeEndedAt = performance.now();
    requestReconstruction();
  },
});

function requestReconstruction() {
  runners.reconstruct.submit(() => guarded('reconstruct-error', reconstructNow));
}

async function reconstructNow() {
  const model = state.model;
  const image = state.upload ?? (pad.hasInk ? await pad.toBlob() : null);
  if (!image) {
    clearReconstruction();
    return;
  }
  const requested = performance.now();
  const liftedAt = state.strokeEndedAt;
  const result = await api.reconstruct(model.name, image);
  if (model !== state.model) {
    return;
  }
  await Promise.all([
    setImage($('input-view'), api.pngDataUrl(result.input)),
    setImage($('reconstruction-view'), api.pngDataUrl(result.image)),
  ]);
  const facts = [`mean squared error ${result.meanSquaredError.toFixed(4)}`];
  if (typeof result.percentile === 'number') {
    facts.push(`higher than ${result.percentile.toFixed(0)}% of the validation images'`);
  }
  if (liftedAt !== null && requested >= liftedAt) {
    const shownAfter = performance.now() - liftedAt;
    $('reconstruction-view').dataset.liftToShownMs = shownAfter.toFixed(1);
    facts.push(`shown ${shownAfter.toFixed(0)} ms after the pen lifted`);
    state.strokeEndedAt = null;
  }
  const text = $('reconstruct-facts');
  text.textContent = `${facts.join('; ')}.`;
  if (result.unusual === true) {
    const badge = document.createElement('strong');
    badge.className = 'unusual';
    badge.textContent = ' Unusual for this model.';
    text.append(badge);
  }
  state.encoded = result.latent;
  setLatent(result.latent, { rescale: true });
  await setImage($('slider-view'), api.pngDataUrl(result.image));
  mapView.mark(result.latent);
}

function clearReconstruction() {
  for (const id of ['input-view', 'reconstruction-view']) {
    $(id).removeAttribute('src');
  }
  $('reconstruct-facts').textContent = 'Draw a stroke, or upload, drop or paste an image.';
}

async function useUpload(file) {
  if (!file) {
    return;
  }
  // The file itself goes to the service (so it judges the format); the pad shows it if the browser can draw it.
  state.upload = file;
  state.strokeEndedAt = null;
  try {
    const bitmap = await createImageBitmap(file);
    pad.drawImage(bitmap);
    bitmap.close();
  } catch {
    pad.clearWithUndo();
  }
  requestReconstruction();
}

$('undo').addEventListener('click', () => {
  if (pad.undo()) {
    state.upload = null;
    requestReconstruction();
  }
});
$('clear').addEventListener('click', () => {
  pad.clearWithUndo();
  state.upload = null;
  requestReconstruction();
});
$('upload').addEventListener('change', event => {
  useUpload(event.target.files[0]);
  event.target.value = '';
});
$('pad').addEventListener('dragover', event => {
  event.preventDefault();
  $('pad').classList.add('dragover');
});
$('pad').addEventListener('dragleave', () => $('pad').classList.remove('dragover'));
$('pad').addEventListener('drop', event => {
  event.preventDefault();
  $('pad').classList.remove('dragover');
  useUpload(event.dataTransfer.files[0]);
});
document.addEventListener('paste', event => {
  const file = [...(event.clipboardData?.files ?? [])].find(item => item.type.startsWith('image/'));
  if (file) {
    event.preventDefault();
    useUpload(file);
  }
});

// ---- Latent sliders ----

function sliderRange(latent) {
  const largest = Math.max(...latent.map(Math.abs), 1);
  return Math.ceil(largest * 1.5);
}

function buildSliders(size) {
  const grid = $('latent-sliders');
  grid.replaceChildren();
  for (let i = 0; i < size; i++) {
    const label = document.createElement('label');
    const name = document.createElement('span');
    name.textContent = `z${i + 1}`;
    const input = document.createElement('input');
    input.type = 'range';
    input.step = '0.01';
    input.id = `latent-${i}`;
    input.setAttribute('aria-label', `Latent dimension ${i + 1} of ${size}`);
    const output = document.createElement('output');
    output.htmlFor = input.id;
    input.addEventListener('input', () => {
      state.latent[i] = Number(input.value);
      output.textContent = state.latent[i].toFixed(2);
      requestDecode();
    });
    label.append(name, input, output);
    grid.append(label);
  }
}

function setLatent(latent, { rescale = false } = {}) {
  state.latent = [...latent];
  const inputs = $('latent-sliders').querySelectorAll('input');
  const range = sliderRange(latent);
  inputs.forEach((input, i) => {
    if (rescale || Math.abs(latent[i]) > Number(input.max || 0)) {
      input.min = String(-range);
      input.max = String(range);
    }
    input.value = String(latent[i]);
    input.nextElementSibling.textContent = latent[i].toFixed(2);
  });
}

function requestDecode() {
  const latent = [...state.latent];
  runners.sliders.submit(() => guarded('sliders-error', async () => {
    const model = state.model;
    const image = await api.decode(model.name, latent);
    if (model === state.model) {
      await setImage($('slider-view'), image);
      countDecode();
    }
  }));
}

function countDecode() {
  const now = performance.now();
  state.decodeTimes = [...state.decodeTimes.filter(time => now - time < 1000), now];
  const view = $('slider-view');
  view.dataset.decodes = String(Number(view.dataset.decodes ?? 0) + 1);
  $('slider-pace').textContent = `(${state.decodeTimes.length} decodes in the last second)`;
}

$('reset').addEventListener('click', () => {
  if (state.encoded) {
    setLatent(state.encoded);
    requestDecode();
  }
});
$('randomise').addEventListener('click', () => {
  const around = state.encoded ?? state.latent;
  const spread = Math.max(0.5, 0.3 * Math.sqrt(around.reduce((sum, value) => sum + (value * value), 0) / around.length));
  setLatent(around.map(value => value + (gaussian() * spread)));
  requestDecode();
});

function gaussian() {
  const u = 1 - Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

// ---- Latent map ----

const mapView = new LatentMapView($('map-canvas'), (x, y) => {
  const latent = mapView.latentAt(x, y);
  $('map-point').textContent = `(${x.toFixed(2)}, ${y.toFixed(2)})`;
  runners.map.submit(() => guarded('map-error', async () => {
    const model = state.model;
    const image = await api.decode(model.name, latent);
    if (model === state.model) {
      await setImage($('map-view'), image);
      $('map-view').dataset.decodes = String(Number($('map-view').dataset.decodes ?? 0) + 1);
    }
  }));
});

async function loadMap(model) {
  $('map-legend').replaceChildren();
  $('map-view').removeAttribute('src');
  $('map-point').textContent = '';
  if (!model.hasLatentMap) {
    mapView.show(null);
    $('map-caption').textContent = `Model '${model.name}' has no latent map (latent-map.json in its folder); \`autoencoder-train latent-map\` makes one.`;
    return null;
  }
  const map = await api.latentMap(model.name);
  if (model !== state.model) {
    return null;
  }
  mapView.show(map);
  const [first, second] = map.explainedVariance.map(share => `${(share * 100).toFixed(0)}%`);
  $('map-caption').textContent = `${map.points.length} ${map.dataset} images, placed by the two main directions of their latents (${first} and ${second} of the variance). Click or drag to decode a point; the ring marks your image.`;
  const labels = [...new Set(map.points.map(point => point.label))].sort((a, b) => a - b);
  $('map-legend').append(...labels.map(label => {
    const entry = document.createElement('span');
    const dot = document.createElement('i');
    dot.style.background = colourOf(label);
    entry.append(dot, `label ${label}`);
    return entry;
  }));
  return map;
}

// ---- Interpolation ----

const slots = ['slot-first', 'slot-second'].map(id => ({ element: $(id), image: null }));

async function fillSlot(slot, blob) {
  slot.image = blob;
  await setImage(slot.element.querySelector('img'), await api.blobToDataUrl(blob));
}

function fillExamples(map) {
  slots.forEach((slot, index) => {
    const select = slot.element.querySelector('select.example');
    const none = new Option('choose…', '');
    select.replaceChildren(none, ...(map?.examples ?? []).map((example, i) => new Option(`label ${example.label}`, String(i))));
    select.disabled = !map;
    slot.image = null;
    slot.element.querySelector('img').removeAttribute('src');
    if (map?.examples?.[index]) {
      select.value = String(index);
      api.base64ToBlob(map.examples[index].image).then(blob => fillSlot(slot, blob));
    }
  });
}

for (const slot of slots) {
  slot.element.querySelector('.use-drawing').addEventListener('click', async () => {
    const image = state.upload ?? (pad.hasInk ? await pad.toBlob() : null);
    if (image) {
      slot.element.querySelector('select.example').value = '';
      await fillSlot(slot, image);
    }
  });
  slot.element.querySelector('select.example').addEventListener('change', async event => {
    const example = mapView.map?.examples?.[Number(event.target.value)];
    if (event.target.value !== '' && example) {
      await fillSlot(slot, await api.base64ToBlob(example.image));
    }
  });
  slot.element.querySelector('.slot-upload').addEventListener('change', async event => {
    const file = event.target.files[0];
    event.target.value = '';
    if (file) {
      slot.element.querySelector('select.example').value = '';
      slot.image = file;
      const img = slot.element.querySelector('img');
      await setImage(img, await api.blobToDataUrl(file));
    }
  });
}

$('steps').addEventListener('input', () => {
  $('steps-value').textContent = $('steps').value;
});
$('steps').addEventListener('change', () => {
  if ($('strip').children.length > 0) {
    buildStrip();
  }
});
$('build-strip').addEventListener('click', () => buildStrip());

function buildStrip() {
  const [first, second] = slots.map(slot => slot.image);
  if (!first || !second) {
    showError('interpolate-error', new Error('Choose a first and a second image.'));
    return;
  }
  const steps = Number($('steps').value);
  runners.strip.submit(() => guarded('interpolate-error', async () => {
    const model = state.model;
    const result = await api.interpolate(model.name, first, second, steps);
    if (model !== state.model) {
      return;
    }
    const frames = [
      { image: result.first, weight: 0 },
      ...result.frames.map((image, i) => ({ image, weight: result.weights[i] })),
      { image: result.second, weight: 1 },
    ];
    $('strip').replaceChildren(...frames.map(frame => {
      const item = document.createElement('li');
      const img = document.createElement('img');
      img.className = 'pixels';
      img.src = api.pngDataUrl(frame.image);
      img.alt = `Blend with weight ${frame.weight.toFixed(3)} of the second image`;
      const caption = document.createElement('span');
      caption.textContent = `w = ${frame.weight === 0 || frame.weight === 1 ? frame.weight : frame.weight.toFixed(3)}`;
      item.append(img, caption);
      return item;
    }));
  }));
}

// ---- Models ----

async function selectModel(name) {
  const model = state.models.find(candidate => candidate.name === name);
  state.model = model;
  const { channels, height, width } = model.image;
  $('model-facts').textContent = `${model.latentSize}-number latent; ${width}×${height} images (${channels} channel${channels === 1 ? '' : 's'}); trained on ${model.dataset.name}`;
  for (const id of ['input-view', 'reconstruction-view', 'slider-view', 'map-view']) {
    $(id).style.aspectRatio = `${width} / ${height}`;
  }
  const padWidth = width >= height ? PadLongSide : Math.round((PadLongSide * width) / height);
  const padHeight = height >= width ? PadLongSide : Math.round((PadLongSide * height) / width);
  if ($('pad').width !== padWidth || $('pad').height !== padHeight) {
    pad.resize(padWidth, padHeight);
  }
  state.encoded = null;
  $('strip').replaceChildren();
  buildSliders(model.latentSize);
  const map = await loadMap(model);
  if (model !== state.model) {
    return;
  }
  fillExamples(map);
  setLatent(map?.mean ?? new Array(model.latentSize).fill(0), { rescale: true });
  if (state.upload || pad.hasInk) {
    requestReconstruction();
  } else {
    clearReconstruction();
    requestDecode();
  }
}

$('model').addEventListener('change', event => guarded('page-error', () => selectModel(event.target.value)));

guarded('page-error', async () => {
  state.models = await api.listModels();
  const select = $('model');
  select.replaceChildren(...state.models.map(model => new Option(model.name, model.name, model.isDefault, model.isDefault)));
  await selectModel(select.value);
  document.body.dataset.ready = 'true';
});
