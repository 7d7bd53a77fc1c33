// What every panel does with its part of the page: find it, show an image, show or clear its error.
import { LatestOnly } from './api.js';

export const byId = id => document.getElementById(id);

/** Sets an image's source and waits until it can be painted (a broken image is left to its alt text). */
export async function setImage(img, source) {
  img.src = source;
  await img.decode().catch(() => {});
}

export function showError(element, error) {
  if (error) {
    element.textContent = error.message;
    element.hidden = false;
  } else {
    element.hidden = true;
    element.textContent = '';
  }
}

/** Runs work, then shows its error in the element (a problem response's detail), or clears the last one. */
export async function guarded(errorElement, work) {
  try {
    await work();
    showError(errorElement, null);
  } catch (error) {
    showError(errorElement, error);
  }
}

/** A LatestOnly runner for a view, which marks the view aria-busy while a request for it runs or waits. */
export function runnerFor(view) {
  view.setAttribute('aria-busy', 'false');
  return new LatestOnly(busy => view.setAttribute('aria-busy', String(busy)));
}

/** Keeps an image view in the model's proportions before its first picture arrives. */
export function fitToModel(img, model) {
  img.style.aspectRatio = `${model.image.width} / ${model.image.height}`;
}
