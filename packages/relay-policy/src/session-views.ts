/**
 * Per-session memo of what does not change between the RCPTs of a session: the host view, the
 * anti-relay exemption (seed 004 section 9 steps 2-5, which Domino also settles once per
 * session) and the host's matches in the allow-from and deny-from lists. Kept per policy for the
 * last few session facts objects seen (a small ring, so memory stays bounded and nothing is kept
 * past a few sessions; a WeakMap was measured 4x slower on a session's first RCPT). A view is
 * reused only while `ip`, `ptr` and `authenticatedUser` are the same values, so a server that
 * updates the session object after AUTH still gets a fresh view.
 */
import type { TraceStep } from './decision.js';
import type { SessionFacts } from './facts.js';
import type { ListEntry } from './list-entry.js';
import { relayExempt, traceFromLists } from './relay.js';
import type { CompiledRules } from './rules.js';
import { type HostView, viewHost } from './session.js';
import { Trace } from './trace.js';

/** Sessions remembered: enough for the RCPT bursts of several interleaved sessions. */
const RING = 16;

/** What the relay rules make of the session's host. */
export interface RelayView {
  readonly exempt: boolean;
  readonly steps: readonly TraceStep[];
  readonly allowFrom: ListEntry | undefined;
  readonly denyFrom: ListEntry | undefined;
  readonly fromSteps: readonly TraceStep[];
}

/** The session as the RCPT decisions see it. */
export interface SessionView {
  readonly ip: unknown;
  readonly ptr: unknown;
  readonly user: unknown;
  readonly host: HostView;
  readonly hostSteps: readonly TraceStep[];
  relay: RelayView | undefined;
}

/** The memo of session views for one compiled policy. */
export class SessionViews {
  private readonly keys: (object | undefined)[] = new Array(RING).fill(undefined);
  private readonly views: (SessionView | undefined)[] = new Array(RING).fill(undefined);
  private next = 0;

  constructor(private readonly rules: CompiledRules) {}

  /** The view of a session, computed on first use. */
  view(session: SessionFacts): SessionView {
    const keyed = typeof session === 'object' && session !== null;
    if (keyed) {
      // Newest first (the RCPTs of one session usually come together), without modulo arithmetic.
      for (let i = this.next - 1; i >= 0; i--) if (this.keys[i] === session) return this.reuse(i, session);
      for (let i = RING - 1; i >= this.next; i--) if (this.keys[i] === session) return this.reuse(i, session);
    }
    const trace = new Trace();
    const host = viewHost(this.rules, session, trace);
    const view: SessionView = {
      ip: session?.ip,
      ptr: session?.ptr,
      user: session?.authenticatedUser,
      host,
      hostSteps: trace.steps,
      relay: undefined,
    };
    if (keyed) {
      this.keys[this.next] = session;
      this.views[this.next] = view;
      this.next = (this.next + 1) % RING;
    }
    return view;
  }

  /** The remembered view at slot `i` if the session's facts still match it, else a fresh one. */
  private reuse(i: number, session: SessionFacts): SessionView {
    const v = this.views[i]!;
    if (v.ip === session.ip && v.ptr === session.ptr && v.user === session.authenticatedUser) return v;
    this.keys[i] = undefined;
    return this.view(session);
  }

  /** The relay view of a session, computed on its first relay recipient. */
  relay(view: SessionView, session: SessionFacts): RelayView {
    if (view.relay !== undefined) return view.relay;
    const trace = new Trace();
    const exempt = relayExempt(this.rules, session, view.host, trace);
    const r = this.rules.relay;
    const allowFrom = exempt ? undefined : r.allowFrom.match(view.host);
    const denyFrom = exempt ? undefined : r.denyFrom.match(view.host.claimed);
    const from = new Trace();
    if (!exempt) traceFromLists(this.rules, view.host, allowFrom, denyFrom, from);
    view.relay = { exempt, steps: trace.steps, allowFrom, denyFrom, fromSteps: from.steps };
    return view.relay;
  }
}
