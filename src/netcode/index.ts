/** Sans-IO rollback netcode: generic over the game state, time passed in, IO through `PeerSocket`. */
export * from './clock-sync.ts';
export * from './codec.ts';
export * from './desync-detector.ts';
export * from './endpoint.ts';
export * from './frame-clock.ts';
export * from './input-queue.ts';
export * from './protocol.ts';
export * from './sessions/p2p-session.ts';
export * from './sessions/sync-test-session.ts';
export * from './simulation.ts';
export * from './socket.ts';
export * from './state-ring.ts';
export * from './sync-layer.ts';
export * from './sessions/checksum-exchange.ts';
export * from './sessions/departures.ts';
export * from './time-sync.ts';
export * from './types.ts';
