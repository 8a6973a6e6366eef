/**
 * Which pixi back end draws the game: WebGL where there is a GPU, pixi's 2D-canvas renderer where WebGL
 * runs in software. Without a GPU Chromium composites in software and reads every WebGL frame back from
 * the GPU process (`ReadPixels`, on one GPU-process thread shared by every page) before showing it: two
 * match pages drew 14-31 frames/s each that way, against 60 with the 2D canvas (docs/performance.md).
 */

/** The pixi renderer used: WebGL, or its 2D-canvas renderer (for machines without a GPU). */
export type RendererBackend = 'webgl' | 'canvas';

/** `?renderer=webgl` or `?renderer=canvas` forces a back end; anything else leaves the choice automatic. */
export function rendererFromSearch(search: string): RendererBackend | undefined {
  const v = new URLSearchParams(search).get('renderer');
  return v === 'webgl' || v === 'canvas' ? v : undefined;
}

/** The back end to use: the forced one, else the 2D canvas exactly when WebGL is software-rendered. */
export function chooseBackend(forced: RendererBackend | undefined, softwareWebGl: boolean): RendererBackend {
  return forced ?? (softwareWebGl ? 'canvas' : 'webgl');
}
