import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BALL_RADIUS, PADDLE_INSET, PADDLE_THICKNESS, fx, initialState, makeConfig } from '../../../src/game/index.ts';
import { WALL_THICKNESS, dynamicLayout, fitViewport, goalRect, isWall, labelAnchor, paddleOrigin, paddleShape, staticKey, toScreen, wallRect } from '../../../src/ui/render/layout.ts';

describe('render layout', () => {
  const config = makeConfig({ players: 3, arenaSize: 1000, paddleLength: 160 });

  it('puts each paddle face exactly PADDLE_INSET from its edge, centred on the paddle position', () => {
    const along = 400;
    const box = (side: number): { x0: number; x1: number; y0: number; y1: number } => {
      const s = paddleShape(config, side);
      const o = paddleOrigin(config, side, along);
      return { x0: o.x + s.x, x1: o.x + s.x + s.w, y0: o.y + s.y, y1: o.y + s.y + s.h };
    };
    const [left, right, top, bottom] = [box(0), box(1), box(2), box(3)];
    expect(left.x1).toBe(PADDLE_INSET);
    expect(right.x0).toBe(1000 - PADDLE_INSET);
    expect(top.y1).toBe(PADDLE_INSET);
    expect(bottom.y0).toBe(1000 - PADDLE_INSET);
    expect(left.x1 - left.x0).toBe(PADDLE_THICKNESS);
    expect((left.y0 + left.y1) / 2).toBe(along);
    expect((top.x0 + top.x1) / 2).toBe(along);
    expect(top.x1 - top.x0).toBe(160);
  });

  it('draws walls only on sides without a player, just outside the arena', () => {
    expect([0, 1, 2, 3].map((s) => isWall(config, s))).toEqual([false, false, false, true]);
    const w = wallRect(config, 3);
    expect(w).toEqual({ x: -WALL_THICKNESS, y: 1000, w: 1000 + 2 * WALL_THICKNESS, h: WALL_THICKNESS });
    const l = wallRect(config, 0);
    expect(l.x + l.w).toBe(0);
    // Goal lines lie inside the arena along the defended edge.
    const g = goalRect(config, 1);
    expect(g.x + g.w).toBe(1000);
    expect(g.h).toBe(1000);
  });

  it('fits the arena and its walls inside any viewport, centred, with the margin', () => {
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 5000 }), fc.integer({ min: 50, max: 5000 }), fc.integer({ min: 200, max: 4000 }), (w, h, size) => {
        const c = makeConfig({ arenaSize: size, paddleLength: 20 });
        const v = fitViewport(c, w, h, 8);
        const outerMin = toScreen(v, -WALL_THICKNESS, -WALL_THICKNESS);
        const outerMax = toScreen(v, size + WALL_THICKNESS, size + WALL_THICKNESS);
        const eps = 1e-6;
        expect(outerMin.x).toBeGreaterThanOrEqual(-eps);
        expect(outerMin.y).toBeGreaterThanOrEqual(-eps);
        expect(outerMax.x).toBeLessThanOrEqual(w + eps);
        expect(outerMax.y).toBeLessThanOrEqual(h + eps);
        // Centred: equal space on both sides of each axis.
        expect(v.offsetX + v.arena.w / 2).toBeCloseTo(w / 2, 6);
        expect(v.offsetY + v.arena.h / 2).toBeCloseTo(h / 2, 6);
        // Tight on the short axis: exactly the margin around the walls.
        expect(Math.min(outerMin.x, outerMin.y)).toBeCloseTo(8, 6);
      }),
    );
  });

  it('places labels in each player’s own part of the court and keys the static picture by config', () => {
    expect(labelAnchor(config, 0).x).toBeLessThan(500);
    expect(labelAnchor(config, 1).x).toBeGreaterThan(500);
    expect(labelAnchor(config, 2).y).toBeLessThan(500);
    expect(labelAnchor(config, 3).y).toBeGreaterThan(500);
    expect(staticKey(config)).toBe(staticKey(makeConfig({ players: 3, seed: 99 })));
    expect(staticKey(config)).not.toBe(staticKey(makeConfig({ players: 4 })));
  });

  it('reads positions from a state without changing it', () => {
    const s = initialState(makeConfig({ players: 4 }));
    const frozen = JSON.stringify(s);
    const d = dynamicLayout({ ...s, ball: { ...s.ball, x: fx(123), y: fx(456) } });
    expect(d).toMatchObject({ ballX: 123, ballY: 456, ballRadius: BALL_RADIUS });
    expect(d.paddles[2]).toEqual({ x: 500, y: PADDLE_INSET - PADDLE_THICKNESS / 2 });
    expect(JSON.stringify(s)).toBe(frozen);
  });
});
