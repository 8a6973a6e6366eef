/**
 * Signaling server public surface: start a server, its options and the env parser.
 */
export { startSignalingServer, createSignalingServer } from './server.ts';
export type { SignalingServer, SignalingStats } from './server.ts';
export { DEFAULT_OPTIONS, jsonLineLogger, optionsFromEnv, parseAllowedOrigins, silentLogger } from './config.ts';
export type { LogRecord, SignalingLogger, SignalingServerOptions } from './config.ts';
