/** The confirmed timeline now lives in src/lobby (the spectator's match uses it too); re-exported for the UI. */
export { ConfirmedTrack, type ConfirmedInputSource, type ConfirmedPoint } from '../lobby/confirmed-track.ts';
