import { PermanentDeskError, TransientDeskError } from './desk.js';
import type { Desk, DeskCheckResult, DeskRegistration, DeskTicket } from './desk.js';

export interface CircuitBreakerOptions {
  /** Consecutive transient failures that open the circuit; default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe is let through; default 30 s. */
  coolDownMs?: number;
  now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerDesk extends Desk {
  readonly state: CircuitState;
}

/**
 * Stops hammering a desk that is down: after `failureThreshold` consecutive transient failures,
 * `register` fails fast with a TransientDeskError (retryAfterMs = remaining cool-down) without
 * calling the desk. After the cool-down exactly one call goes through as a probe; its success
 * closes the circuit, its transient failure opens it again. A permanent error means the desk is up
 * and answering, so it counts as a success here. `check()` always reaches the desk.
 */
export function withCircuitBreaker(desk: Desk, options: CircuitBreakerOptions = {}): CircuitBreakerDesk {
  const failureThreshold = options.failureThreshold ?? 5;
  const coolDownMs = options.coolDownMs ?? 30_000;
  const now = options.now ?? Date.now;

  let failures = 0;
  let openUntil = 0;
  let probeInFlight = false;

  const state = (): CircuitState => {
    if (failures < failureThreshold) return 'closed';
    return now() < openUntil ? 'open' : 'half-open';
  };

  async function register(ticket: DeskTicket, signal: AbortSignal): Promise<DeskRegistration> {
    const current = state();
    if (current === 'open') {
      throw new TransientDeskError(`${desk.kind} circuit open after ${failures} consecutive failures`, openUntil - now());
    }
    const isProbe = current === 'half-open';
    if (isProbe) {
      if (probeInFlight) throw new TransientDeskError(`${desk.kind} circuit half-open: a probe is in flight`, coolDownMs);
      probeInFlight = true;
    }
    try {
      const registration = await desk.register(ticket, signal);
      failures = 0;
      return registration;
    } catch (err) {
      if (err instanceof PermanentDeskError) {
        failures = 0;
      } else {
        failures += 1;
        if (failures >= failureThreshold) {
          // Wait at least as long as the desk itself asked (e.g. a long 429 Retry-After).
          const hintMs = err instanceof TransientDeskError ? (err.retryAfterMs ?? 0) : 0;
          openUntil = now() + Math.max(coolDownMs, hintMs);
        }
      }
      throw err;
    } finally {
      if (isProbe) probeInFlight = false;
    }
  }

  return {
    kind: desk.kind,
    get state() {
      return state();
    },
    register,
    check: (signal: AbortSignal): Promise<DeskCheckResult> => desk.check(signal),
    close: async () => {
      await desk.close?.();
    },
  };
}
