/** The pixi.js renderer of the game, its pure layout maths and its `render_frame_ms` timing. */
export * from './layout.ts';
export * from './renderer.ts';
export * from './backend.ts';
export * from './timing.ts';
export * from './frame-log.ts';
export * from './tick-profile.ts';
export { CorrectionSmoother, inferredInputs, oldTimeline, positionsOf, SMOOTHER_DEFAULTS, smoothingFromSearch, type Positions, type SmootherOptions } from './smoother.ts';
