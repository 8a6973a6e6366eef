import { describe, expect, it } from 'vitest';
import { chooseBackend, rendererFromSearch } from '../../../src/ui/render/backend.ts';

describe('renderer back end', () => {
  it('uses the 2D canvas exactly when WebGL is software-rendered, unless one is forced', () => {
    expect(chooseBackend(undefined, true)).toBe('canvas');
    expect(chooseBackend(undefined, false)).toBe('webgl');
    expect(chooseBackend('webgl', true)).toBe('webgl');
    expect(chooseBackend('canvas', false)).toBe('canvas');
  });

  it('reads ?renderer=webgl|canvas and ignores anything else', () => {
    expect(rendererFromSearch('?renderer=webgl')).toBe('webgl');
    expect(rendererFromSearch('?lag=50&renderer=canvas')).toBe('canvas');
    expect(rendererFromSearch('?renderer=webgpu')).toBeUndefined();
    expect(rendererFromSearch('?renderer=')).toBeUndefined();
    expect(rendererFromSearch('')).toBeUndefined();
  });
});
