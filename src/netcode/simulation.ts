/**
 * Executes the requests a session returns against a game, keeping the current state: the one loop
 * every caller (browser, Node tests, the simulator CLI, benchmarks) would otherwise write again.
 */
import { assertNever } from './protocol.ts';
import type { GameAdapter, SessionRequest } from './types.ts';

/** The current state of a game driven by session requests. */
export class Simulation<S> {
  /** Steps executed (including re-simulated ones). */
  steps = 0;

  constructor(
    private readonly game: GameAdapter<S>,
    public state: S,
  ) {}

  /** Runs requests in order: save (with checksum), load, advance. */
  execute(requests: readonly SessionRequest<S>[]): void {
    for (const r of requests) {
      switch (r.kind) {
        case 'save':
          r.cell.save(r.frame, this.state, this.game.checksum(this.state));
          break;
        case 'load':
          this.state = r.state;
          break;
        case 'advance':
          this.state = this.game.step(this.state, r.inputs);
          this.steps++;
          break;
        default:
          assertNever(r);
      }
    }
  }
}
