import type { DebugRouter, LogMailRouting } from '@mailroute/router';
import type { FieldReader } from './config-fields.js';
import { ConfigError } from './config-types.js';
/** gateway.json `mailRules`: the rules file and how often it is looked at. */
export interface MailRulesSettings {
    /** The rules file, relative to the configuration directory (or absolute). */
    readonly file: string;
    /**
     * How often the file is checked for a change, in ms. Default 120000: Domino's SMTP task looks at
     * its configuration every 2 minutes (`SMTP_Config_Update_Interval`), the Server task at the
     * rules about every 5.
     */
    readonly checkIntervalMs: number;
    /** The most rules the file may hold (Domino: 100, adjustable in notes.ini); default 100. */
    readonly maxRules: number;
}
/** gateway.json `journaling` (Router/SMTP - Advanced - Journaling, "Mail journaling database"). */
export interface JournalingSettings {
    /** The journal store's folder, relative to the data directory (or absolute); default `mailjrn`. */
    readonly folder: string;
}
/** gateway.json `routingLog`: Domino's logging level of the Router and notes.ini `DebugRouter`. */
export interface RoutingLogSettings {
    /** `Log_MailRouting`: 10 minimal, 20 normal (default), 30 informational, 40 verbose. */
    readonly logMailRouting: LogMailRouting;
    /** `DebugRouter`: 0 (default) off, 1, 2 or 3: the Router's debug records whatever the level. */
    readonly debugRouter: DebugRouter;
}
/** The three settings together. */
export interface OperatorSettings {
    /** Undefined: no server mail rules. */
    readonly mailRules: MailRulesSettings | undefined;
    readonly journaling: JournalingSettings;
    readonly routingLog: RoutingLogSettings;
}
/** The gateway.json fields this file reads. */
export declare const OPERATOR_FIELDS: readonly ["mailRules", "journaling", "routingLog"];
/** The defaults when gateway.json names none. */
export declare const DEFAULT_OPERATOR_SETTINGS: OperatorSettings;
/** Reads `mailRules`, `journaling` and `routingLog` of gateway.json. */
export declare function readOperatorSettings(r: FieldReader, o: Record<string, unknown>): OperatorSettings;
/** The rules file's absolute path. */
export declare function mailRulesPath(configDir: string, settings: MailRulesSettings): string;
/** The journal store's absolute folder. */
export declare function journalFolder(dataDir: string, settings: JournalingSettings): string;
/** Loads the rules file once: its problems as configuration errors naming the file (none when fine). */
export declare function checkMailRulesFile(configDir: string, settings: MailRulesSettings | undefined): Promise<ConfigError[]>;
/** A `--log-mail-routing` / `--debug-router` value, or an error text. */
export declare function parseRoutingLogFlag(flag: 'log-mail-routing' | 'debug-router', text: string): LogMailRouting | DebugRouter | string;
//# sourceMappingURL=config-mail-rules.d.ts.map