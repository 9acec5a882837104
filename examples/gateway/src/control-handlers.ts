/**
 * What the control channel does: the operator's actions on mail.box through the Router's
 * `createQueueOperator` (list, show, hold, release, delete, reroute; `tell router show queues`
 * and the Administrator's held and dead mail views), message tracking (`track`), `show stat Mail`,
 * and the server mail rules (what is in force; `update config` reloads a changed file now).
 * Arguments are checked here: a bad one is a `control.badRequest` answer naming it.
 */
import { isMailrouteError, type Logger, systemClock } from '@mailroute/envelope';
import {
  createQueueOperator,
  type MailRulesWatcher,
  type RecipientState,
  type Router,
} from '@mailroute/router';
import type { Directory, RoutingGraph } from '@mailroute/routing';
import type { ControlAnswer, ControlHandler, ControlRequest } from './control-socket.js';

/** What the handler works on. */
export interface ControlContext {
  readonly router: Router;
  readonly directory: Directory;
  readonly graph: RoutingGraph;
  /** The server mail rules being watched; undefined when gateway.json names no rules file. */
  readonly rules: MailRulesWatcher | undefined;
  readonly logger: Logger;
}

/** The states `queue list --state` accepts. */
export const LISTABLE_STATES: readonly RecipientState[] = [
  'waiting',
  'in-flight',
  'held',
  'dead',
  'delivered',
  'transferred',
  'failed',
];

class BadRequest extends Error {}

function idOf(request: ControlRequest): string {
  const id = request['id'];
  if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(id))
    throw new BadRequest('id: a queue id (letters, digits, ".", "_", "-") is required');
  return id;
}

function indexesOf(request: ControlRequest): number[] | undefined {
  const v = request['indexes'];
  if (v === undefined) return undefined;
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    v.length > 1000 ||
    !v.every((n) => Number.isSafeInteger(n) && n >= 0)
  )
    throw new BadRequest('indexes: a list of recipient indexes (whole numbers from 0)');
  return v as number[];
}

/** The rules in force, for `rules` and `status`. */
function rulesView(rules: MailRulesWatcher | undefined) {
  if (rules === undefined) return { configured: false };
  const current = rules.current();
  return {
    configured: true,
    generation: rules.generation,
    rules: current.rules.map((r) => ({ name: r.name, action: r.action })),
    ...(rules.lastError === undefined
      ? {}
      : { lastError: { code: rules.lastError.code, problems: rules.lastError.problems } }),
  };
}

/** Builds the control channel's handler. */
export function createControlHandler(context: ControlContext): ControlHandler {
  const { router, rules } = context;
  const operator = createQueueOperator({
    router,
    planner: { directory: context.directory, graph: context.graph },
    clock: systemClock,
  });
  const act = async (request: ControlRequest): Promise<unknown> => {
    switch (request.command) {
      case 'queue.list': {
        const state = request['state'];
        if (state !== undefined && !(LISTABLE_STATES as readonly unknown[]).includes(state))
          throw new BadRequest(`state: one of ${LISTABLE_STATES.join(', ')}`);
        const limit = request['limit'] ?? 100;
        if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > 1000)
          throw new BadRequest('limit: a whole number from 1 to 1000');
        const after = request['after'];
        if (after !== undefined && typeof after !== 'string') throw new BadRequest('after: a queue id');
        return operator.list({
          ...(state === undefined ? {} : { state: state as RecipientState }),
          limit: limit as number,
          ...(after === undefined ? {} : { after }),
        });
      }
      case 'queue.show':
        return (await operator.show(idOf(request))) ?? null;
      case 'queue.hold': {
        const id = idOf(request);
        await operator.hold(id, indexesOf(request));
        context.logger.info({}, `operator: held ${id}`);
        return operator.show(id);
      }
      case 'queue.release': {
        const id = idOf(request);
        await operator.release(id, indexesOf(request));
        context.logger.info({}, `operator: released ${id}`);
        return operator.show(id);
      }
      case 'queue.delete': {
        const id = idOf(request);
        await operator.remove(id);
        context.logger.info({}, `operator: deleted ${id}`);
        return { deleted: id };
      }
      case 'queue.reroute': {
        const id = idOf(request);
        const moved = await operator.reroute(id, indexesOf(request));
        context.logger.info({}, `operator: rerouted ${id} (${moved.length} recipient(s))`);
        return moved;
      }
      case 'track': {
        const key = request['key'];
        if (typeof key !== 'string' || key.trim() === '' || key.length > 1000)
          throw new BadRequest('key: a queue id or a Message-ID');
        return router.tracker.find(key);
      }
      case 'stats': {
        const status = await router.status();
        return { mail: await operator.statistics(), rules: status.rules };
      }
      case 'rules': {
        if (request['reload'] === true) {
          if (rules === undefined)
            throw new BadRequest('no server mail rules file is configured (gateway.json mailRules)');
          await rules.check();
        }
        return rulesView(rules);
      }
      default:
        throw new BadRequest(`unknown command ${JSON.stringify(String(request.command).slice(0, 40))}`);
    }
  };
  return async (request): Promise<ControlAnswer> => {
    try {
      return { ok: true, result: await act(request) };
    } catch (error) {
      if (error instanceof BadRequest)
        return { ok: false, code: 'control.badRequest', message: error.message };
      if (isMailrouteError(error)) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  };
}
