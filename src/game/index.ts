/** The deterministic Pong simulation: pure functions of plain data, integer math only. */
export * from './angles.ts';
export * from './checksum.ts';
export * from './config.ts';
export * from './diff.ts';
export * from './fixed.ts';
export * from './rng.ts';
export * from './serialize.ts';
export * from './state.ts';
export * from './step.ts';
export * from './rules.ts';
export * from './replay.ts';
