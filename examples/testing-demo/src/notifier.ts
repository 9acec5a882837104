/**
 * The service under test: it tells users about their account by mail. It knows nothing of
 * mailroute; it is handed an SMTP URL (in production the company relay, in tests a capture
 * server's `smtpUrl`) and sends with nodemailer.
 */
import nodemailer from 'nodemailer';

/** Who gets the mail. */
export interface Account {
  readonly name: string;
  readonly email: string;
}

/** What the notifier answers: sent, or refused with the server's reply (never thrown away). */
export type SendOutcome =
  | { readonly sent: true; readonly messageId: string; readonly accepted: readonly string[] }
  | { readonly sent: false; readonly code: number | undefined; readonly reason: string };

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  /** Where to send: `smtp://user:pass@host:port`. */
  readonly smtpUrl: string;
  /** The From address. */
  readonly from: string;
}

/** The notifier's operations. */
export interface Notifier {
  /** The welcome mail, with a plain text and an HTML part. */
  welcome(account: Account): Promise<SendOutcome>;
  /** A password reset link; `token` goes into the link only. */
  passwordReset(account: Account, token: string): Promise<SendOutcome>;
  /** Closes the SMTP transport. */
  close(): void;
}

/** Makes a notifier sending through `options.smtpUrl`. */
export function createNotifier(options: NotifierOptions): Notifier {
  const transport = nodemailer.createTransport(options.smtpUrl);
  const send = async (to: Account, subject: string, text: string, html?: string): Promise<SendOutcome> => {
    try {
      const info = await transport.sendMail({
        from: options.from,
        to: { name: to.name, address: to.email },
        subject,
        text,
        ...(html === undefined ? {} : { html }),
      });
      return { sent: true, messageId: info.messageId, accepted: info.accepted.map(String) };
    } catch (error) {
      const e = error as { responseCode?: number; message: string };
      return { sent: false, code: e.responseCode, reason: e.message };
    }
  };
  return {
    welcome: (account) =>
      send(
        account,
        `Welcome, ${account.name}`,
        `Hello ${account.name},\n\nyour account ${account.email} is ready.\n`,
        `<p>Hello ${escapeHtml(account.name)},</p><p>your account is ready.</p>`,
      ),
    passwordReset: (account, token) =>
      send(
        account,
        'Reset your password',
        `Hello ${account.name},\n\nreset your password here: https://app.example/reset?token=${encodeURIComponent(token)}\n`,
      ),
    close: () => transport.close(),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
