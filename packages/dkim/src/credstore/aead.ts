import { createCipheriv, createDecipheriv } from 'node:crypto';

/** One AES-256-GCM sealed value as stored in JSON. */
export interface Sealed {
  readonly iv: string;
  readonly data: string;
  readonly tag: string;
}

/** Encrypts with AES-256-GCM; `aad` binds the value to its identity so it cannot be moved. */
export function seal(key: Buffer, iv: Buffer, plaintext: Buffer, aad: string): Sealed {
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: c.getAuthTag().toString('base64') };
}

/** Decrypts and authenticates; undefined when the key is wrong or anything was altered. */
export function open(key: Buffer, sealed: Sealed, aad: string): Buffer | undefined {
  try {
    const iv = Buffer.from(sealed.iv, 'base64');
    const tag = Buffer.from(sealed.tag, 'base64');
    if (iv.length !== 12 || tag.length !== 16) return undefined;
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(Buffer.from(sealed.data, 'base64')), d.final()]);
  } catch {
    return undefined;
  }
}

/** True when a JSON value has the shape of a {@link Sealed}. */
export function isSealed(v: unknown): v is Sealed {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['iv'] === 'string' && typeof o['data'] === 'string' && typeof o['tag'] === 'string';
}
