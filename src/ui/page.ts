/** The contract between the router (main.ts) and a mounted page. */

/** A page mounted into the app root; `destroy` removes it and its listeners, timers and canvas. */
export interface Page {
  destroy(): void;
}
