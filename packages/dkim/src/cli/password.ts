import type { ReadStream } from 'node:tty';

/** The environment variable a password may come from (for scripts; a prompt is used otherwise). */
export const PASSWORD_ENV = 'MAILROUTE_KEYMGMT_PASSWORD';

/** Reads one line from a terminal without echoing it. */
function promptHidden(prompt: string, input: ReadStream, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    let value = '';
    input.setRawMode(true);
    input.resume();
    const done = (err?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          return;
        }
        if (ch === '\u0003') {
          done(new Error('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

/**
 * The password source of the command: the environment variable when set, else a hidden prompt
 * on the terminal (asked twice when `confirm`). Without either it fails: never from argv.
 */
export function passwordSource(
  env: NodeJS.ProcessEnv,
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream,
): (prompt: string, confirm: boolean) => Promise<string> {
  return async (prompt, confirm) => {
    const fromEnv = env[PASSWORD_ENV];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (!input.isTTY) throw new Error(`no terminal to ask for a password: set ${PASSWORD_ENV}`);
    const tty = input as ReadStream;
    const first = await promptHidden(prompt, tty, output);
    if (confirm && (await promptHidden('Again: ', tty, output)) !== first)
      throw new Error('the passwords differ');
    return first;
  };
}
