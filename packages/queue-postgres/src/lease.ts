/**
 * Leasing: due recipient rows taken with `FOR UPDATE SKIP LOCKED`, per (message, destination)
 * unit, earliest due first, so concurrent nodes never lease one recipient twice and never wait
 * for each other; an expired lease makes its rows due again (takeover). A request's
 * `perDestinationLimit`/`destinationRoom` bound the units per destination in one call (a window
 * over the walked units); with `maxInFlightPerDestination`, a per-destination advisory lock keeps
 * the cap across all nodes.
 */
import { type LeasedMessage, type LeaseRequest, leaseRoom, validateLeaseRequest } from '@mailroute/router';
import type { QueueContext, TxClient } from './db.js';
import type { reading } from './read.js';

/** The lease side of the store. */
export function leasing(
  ctx: QueueContext,
  cap: number | undefined,
  loadMessages: ReturnType<typeof reading>['loadMessages'],
) {
  const { s, schema } = ctx;
  const { tx, open } = ctx.db;

  /** Takes the candidates whose destination has room under the cross-node cap. */
  async function withinCap(
    c: TxClient,
    picks: { message_id: string; destination: string }[],
    now: number,
    full: Set<string>,
  ): Promise<{ message_id: string; destination: string }[]> {
    const room = new Map<string, number>();
    const out: { message_id: string; destination: string }[] = [];
    for (const p of picks) {
      let left = room.get(p.destination);
      if (left === undefined) {
        // A transaction-scoped advisory lock per destination serialises the nodes leasing one
        // destination, so the count below cannot be raced; `try` so that two leases never wait
        // on each other (no deadlock): the loser leaves the destination for this round.
        const lock = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [
          `mailroute-queue-postgres:${schema}:${p.destination}`,
        ]);
        if (!lock.rows[0]!.ok) left = 0;
        else {
          const n = await c.query<{ n: number }>(
            `SELECT count(DISTINCT message_id) AS n FROM ${s}.recipients
             WHERE destination = $1 AND state = 'in-flight' AND lease_expires_ms > $2`,
            [p.destination, now],
          );
          left = Math.max(0, cap! - n.rows[0]!.n);
        }
        if (left === 0) full.add(p.destination);
      }
      if (left > 0) {
        out.push(p);
        left--;
      }
      room.set(p.destination, left);
    }
    return out;
  }

  return {
    async lease(req: LeaseRequest): Promise<LeasedMessage[]> {
      open();
      validateLeaseRequest(req);
      if (req.limit === 0) return [];
      const now = Math.floor(req.nowMs);
      const expires = Math.floor(req.nowMs + req.leaseMs);
      const asked = req.destinations ? [...req.destinations] : null;
      let only = asked;
      const never = req.excludeDestinations ? [...req.excludeDestinations] : [];
      const rooms = Object.entries(req.destinationRoom ?? {});
      // No room by default: only the destinations given room of their own can be taken from
      // (as a filter on the walk, so it never walks rows it could not take).
      if (req.perDestinationLimit === 0)
        only = rooms.filter(([d, n]) => n > 0 && (asked === null || asked.includes(d))).map(([d]) => d);
      return tx(async (c) => {
        const units: { id: string; destination: string; rows: { idx: number }[] }[] = [];
        const tried: string[] = []; // `message/destination` (queue ids are digits: no ambiguity)
        const full = new Set<string>(); // destinations at maxInFlightPerDestination
        const taken = new Map<string, number>(); // units leased per destination in this call
        for (;;) {
          const want = req.limit - units.length;
          if (want <= 0) break;
          // Per destination, the room left in this call: those with room of their own or units
          // taken so far; the others get the default bound ($7, NULL: none). A destination with
          // no room left is kept out of the walk, so every row walked can yield a unit.
          const roomLeft = new Map<string, number>(rooms);
          for (const [d, n] of taken) roomLeft.set(d, leaseRoom(req, d) - n);
          const noRoom = [...roomLeft].filter(([, n]) => n <= 0).map(([d]) => d);
          const bounded = [...roomLeft].filter(([, n]) => n > 0 && Number.isFinite(n));
          // Candidate units, earliest due first; no locks yet. The walk goes down the due index in
          // order and stops after a few rows per unit wanted (never the whole queue); units are
          // the rows' distinct (message, destination) in order of appearance, at most each
          // destination's room (row_number per destination). Units tried before in this call
          // (taken, or locked by another node) are left out, so the loop moves on.
          const cand = await c.query<{ message_id: string; destination: string }>(
            `WITH walk AS (
               SELECT r.message_id, r.destination, r.due_ms, r.idx FROM ${s}.recipients r
               WHERE r.due_ms <= $1
                 AND ($2::text[] IS NULL OR r.destination = ANY($2::text[]))
                 AND NOT (r.destination = ANY($3::text[]))
                 AND (r.message_id || '/' || r.destination) <> ALL($4::text[])
               ORDER BY r.due_ms, r.message_id, r.idx
               LIMIT $5),
             units AS (
               SELECT message_id, destination, min(pos) AS pos
               FROM (SELECT w.*, row_number() OVER (ORDER BY due_ms, message_id, idx) AS pos FROM walk w) p
               GROUP BY message_id, destination),
             ranked AS (
               SELECT u.*, row_number() OVER (PARTITION BY u.destination ORDER BY u.pos) AS nth
               FROM units u)
             SELECT k.message_id, k.destination FROM ranked k
             LEFT JOIN unnest($6::text[], $8::bigint[]) AS room(destination, n)
               ON room.destination = k.destination
             WHERE k.nth <= coalesce(room.n, $7::bigint, k.nth)
             ORDER BY k.pos
             LIMIT $9`,
            [
              now,
              only,
              [...never, ...full, ...noRoom],
              tried,
              want * 4,
              bounded.map(([d]) => d),
              req.perDestinationLimit ?? null,
              bounded.map(([, n]) => n),
              want,
            ],
          );
          if (cand.rows.length === 0) break;
          let picks = cand.rows;
          for (const p of picks) tried.push(`${p.message_id}/${p.destination}`);
          if (cap !== undefined) picks = await withinCap(c, picks, now, full);
          if (picks.length === 0) continue;
          // Lock and lease the candidates' due rows in one statement; rows another node is
          // leasing right now are skipped, not waited for.
          const leased = await c.query<{ message_id: string; idx: number; destination: string }>(
            `WITH c AS (SELECT * FROM unnest($1::text[], $2::text[]) AS c(m, d)),
             locked AS (
               SELECT r.message_id, r.idx FROM ${s}.recipients r JOIN c ON r.message_id = c.m AND r.destination = c.d
               WHERE r.due_ms <= $3
               FOR UPDATE OF r SKIP LOCKED)
             UPDATE ${s}.recipients r SET state = 'in-flight', lease_owner = $4, lease_expires_ms = $5
             FROM locked WHERE r.message_id = locked.message_id AND r.idx = locked.idx
             RETURNING r.message_id, r.idx, r.destination`,
            [picks.map((p) => p.message_id), picks.map((p) => p.destination), now, req.owner, expires],
          );
          const byUnit = new Map<string, { idx: number }[]>();
          for (const r of leased.rows) {
            const k = `${r.message_id}\u0000${r.destination}`;
            const list = byUnit.get(k);
            if (list) list.push(r);
            else byUnit.set(k, [r]);
          }
          for (const p of picks) {
            const rows = byUnit.get(`${p.message_id}\u0000${p.destination}`);
            if (!rows) continue;
            units.push({
              id: p.message_id,
              destination: p.destination,
              rows: rows.sort((a, b) => a.idx - b.idx),
            });
            taken.set(p.destination, (taken.get(p.destination) ?? 0) + 1);
          }
        }
        if (units.length === 0) return [];
        const messages = new Map(
          (await loadMessages(c, [...new Set(units.map((u) => u.id))])).map((m) => [m.id, m]),
        );
        return units.map((u) => ({
          message: messages.get(u.id)!,
          destination: u.destination,
          recipients: messages.get(u.id)!.recipients.filter((r) => u.rows.some((x) => x.idx === r.index)),
          leaseExpiresMs: expires,
        }));
      });
    },
  };
}
