/**
 * gateway.json's operator settings (issue 17): the server mail rules file, the mail journal, and
 * the routing log levels. Domino keeps the rules in the Configuration Settings document (Router/SMTP
 * - Restrictions and Controls - Rules) and re-reads them when they change; here they are a JSON file
 * of the configuration directory that the running gateway polls. `checkMailRulesFile` lets
 * `check-config` and `start` refuse a broken file with its problems named.
 */
import { isAbsolute, resolve } from 'node:path';
import { loadMailRulesFile } from '@mailroute/router';
import { ConfigError } from './config-types.js';
/** The gateway.json fields this file reads. */
export const OPERATOR_FIELDS = ['mailRules', 'journaling', 'routingLog'];
/** The defaults when gateway.json names none. */
export const DEFAULT_OPERATOR_SETTINGS = {
    mailRules: undefined,
    journaling: { folder: 'mailjrn' },
    routingLog: { logMailRouting: 20, debugRouter: 0 },
};
/** Reads `mailRules`, `journaling` and `routingLog` of gateway.json. */
export function readOperatorSettings(r, o) {
    let mailRules;
    if (o['mailRules'] !== undefined) {
        const m = r.object(o['mailRules'], 'mailRules');
        r.known(m, 'mailRules', ['file', 'checkIntervalMs', 'maxRules']);
        mailRules = {
            file: r.string(m, 'file', 'mailRules'),
            checkIntervalMs: r.integer(m, 'checkIntervalMs', 'mailRules', 120_000, 50, 86_400_000),
            maxRules: r.integer(m, 'maxRules', 'mailRules', 100, 1, 10_000),
        };
    }
    const j = r.object(o['journaling'], 'journaling');
    r.known(j, 'journaling', ['folder']);
    const l = r.object(o['routingLog'], 'routingLog');
    r.known(l, 'routingLog', ['logMailRouting', 'debugRouter']);
    const level = r.integer(l, 'logMailRouting', 'routingLog', 20, 10, 40);
    if (![10, 20, 30, 40].includes(level))
        r.fail('routingLog.logMailRouting', `must be 10, 20, 30 or 40, got ${level}`);
    return {
        mailRules,
        journaling: { folder: r.string(j, 'folder', 'journaling', 'mailjrn') },
        routingLog: {
            logMailRouting: ([10, 20, 30, 40].includes(level) ? level : 20),
            debugRouter: r.integer(l, 'debugRouter', 'routingLog', 0, 0, 3),
        },
    };
}
/** The rules file's absolute path. */
export function mailRulesPath(configDir, settings) {
    return isAbsolute(settings.file) ? settings.file : resolve(configDir, settings.file);
}
/** The journal store's absolute folder. */
export function journalFolder(dataDir, settings) {
    return isAbsolute(settings.folder) ? settings.folder : resolve(dataDir, settings.folder);
}
/** Loads the rules file once: its problems as configuration errors naming the file (none when fine). */
export async function checkMailRulesFile(configDir, settings) {
    if (settings === undefined)
        return [];
    const loaded = await loadMailRulesFile(mailRulesPath(configDir, settings), { maxRules: settings.maxRules });
    if (loaded.ok)
        return [];
    return loaded.reason.problems.map((p) => new ConfigError(settings.file, '', p));
}
/** A `--log-mail-routing` / `--debug-router` value, or an error text. */
export function parseRoutingLogFlag(flag, text) {
    const allowed = flag === 'log-mail-routing' ? ['10', '20', '30', '40'] : ['0', '1', '2', '3'];
    return allowed.includes(text)
        ? Number(text)
        : `--${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`;
}
//# sourceMappingURL=config-mail-rules.js.map