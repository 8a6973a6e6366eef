/**
 * Token bucket rate limiter (one per connection).
 *
 * The bucket holds up to `burst` tokens and refills continuously at `ratePerSecond`; each message
 * takes one token (a byte budget: one per byte). A message finding the bucket empty is dropped. Time is passed in, so the limiter
 * is exact and testable on a manual clock.
 */

/** Mutable bucket state: kept tiny because there is one per open socket. */
export interface TokenBucket {
  tokens: number;
  lastMs: number;
  readonly ratePerMs: number;
  readonly burst: number;
}

/** A full bucket. */
export function createBucket(ratePerSecond: number, burst: number, nowMs: number): TokenBucket {
  return { tokens: burst, lastMs: nowMs, ratePerMs: ratePerSecond / 1000, burst };
}

/** Refills for the time elapsed since the last call, then takes `cost` tokens (default 1) if there are that many. */
export function takeToken(bucket: TokenBucket, nowMs: number, cost = 1): boolean {
  refill(bucket, nowMs);
  if (bucket.tokens < cost) return false;
  bucket.tokens -= cost;
  return true;
}

/** Whether the bucket is full again (it then behaves exactly like a fresh one and may be forgotten). */
export function bucketFull(bucket: TokenBucket, nowMs: number): boolean {
  refill(bucket, nowMs);
  return bucket.tokens >= bucket.burst;
}

function refill(bucket: TokenBucket, nowMs: number): void {
  const elapsed = nowMs - bucket.lastMs;
  if (elapsed > 0) {
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + elapsed * bucket.ratePerMs);
    bucket.lastMs = nowMs;
  }
}
