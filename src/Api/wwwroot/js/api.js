// Talks to the service. Every failure becomes an Error whose message is the problem response's detail.

export class ProblemError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function problemOf(response) {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    detail = body.detail ?? body.title ?? detail;
  } catch {
    // Not a problem response (a proxy's page, say): the status line says enough.
  }
  return new ProblemError(response.status, detail);
}

async function send(url, options) {
  const response = await fetch(url, options);
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response;
}

const withModel = (path, model, extra = {}) => {
  const query = new URLSearchParams({ model, ...extra });
  return `${path}?${query}`;
};

export const listModels = async () => (await send('/models')).json();

export const latentMap = async model => (await send(`/models/${encodeURIComponent(model)}/latent-map`)).json();

export async function reconstruct(model, image) {
  const form = new FormData();
  form.append('image', image, image.name ?? 'image.png');
  const response = await send(withModel('/reconstruct', model), { method: 'POST', body: form, headers: { Accept: 'application/json' } });
  return response.json();
}

/** How unusual the image is to the model: its error, the error's percentile among validation images, the verdict. */
export async function score(model, image) {
  const form = new FormData();
  form.append('image', image, image.name ?? 'image.png');
  const response = await send(withModel('/score', model), { method: 'POST', body: form, headers: { Accept: 'application/json' } });
  return response.json();
}

/** The image's heat map (input, reconstruction, per-pixel error side by side) as a data: URL of the service's PNG. */
export async function heatMap(model, image) {
  const form = new FormData();
  form.append('image', image, image.name ?? 'image.png');
  const response = await send(withModel('/score', model), { method: 'POST', body: form, headers: { Accept: 'image/png' } });
  return blobToDataUrl(await response.blob());
}

/** The decoded latent as a data: URL of the service's PNG. */
export async function decode(model, latent) {
  const response = await send(withModel('/decode', model), {
    method: 'POST',
    body: JSON.stringify({ latent }),
    headers: { 'Content-Type': 'application/json', Accept: 'image/png' },
  });
  return blobToDataUrl(await response.blob());
}

/** Codes drawn from the model's latent prior and their decodings: {model, seed, temperature, count, latents, images}. */
export async function generate(model, count, temperature) {
  const query = withModel('/generate', model, { count: String(count), temperature: String(temperature) });
  const response = await send(query, { method: 'POST', headers: { Accept: 'application/json' } });
  return response.json();
}

export async function interpolate(model, first, second, steps) {
  const form = new FormData();
  form.append('first', first, first.name ?? 'first.png');
  form.append('second', second, second.name ?? 'second.png');
  const response = await send(withModel('/interpolate', model, { steps: String(steps) }), { method: 'POST', body: form, headers: { Accept: 'application/json' } });
  return response.json();
}

/** The image cleaned by a denoiser, with {noise: "KIND:LEVEL", seed} added on the server first: clean, noisy and denoised PNGs and PSNRs. */
export async function denoise(model, image, { noise, seed }) {
  const form = new FormData();
  form.append('image', image, image.name ?? 'image.png');
  const response = await send(withModel('/denoise', model, { noise, seed: String(seed) }), { method: 'POST', body: form, headers: { Accept: 'application/json' } });
  return response.json();
}

export const pngDataUrl = base64 => `data:image/png;base64,${base64}`;

export function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

export async function base64ToBlob(base64, type = 'image/png') {
  return (await fetch(pngDataUrl(base64))).blob().then(blob => new Blob([blob], { type }));
}

/**
 * Runs at most one request at a time for a view. A job submitted while one runs replaces any job still waiting, so
 * a fast hand (a slider, a drag) never queues stale requests: when the running one ends, only the latest goes.
 */
export class LatestOnly {
  #running = false;
  #next = null;
  #onBusy;

  /** @param {(busy: boolean) => void} [onBusy] told when work starts and when the last job has ended */
  constructor(onBusy = () => {}) {
    this.#onBusy = onBusy;
  }

  submit(job) {
    this.#next = job;
    if (!this.#running) {
      this.#drain();
    }
  }

  async #drain() {
    this.#running = true;
    this.#onBusy(true);
    while (this.#next) {
      const job = this.#next;
      this.#next = null;
      try {
        await job();
      } catch (error) {
        console.warn(error);
      }
    }
    this.#running = false;
    this.#onBusy(false);
  }
}
