/** Which values a plan must never show: env values whose name (or content) looks like a credential. */

const SECRET_NAME = /(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth|dsn|cookie|session|signing|mnemonic|seed)/i;
/** Names that point at a secret instead of holding one. */
const REFERENCE_NAME = /_(FILE|PATH|NAME|DIR|SECRET_NAME)$/i;
const URL_WITH_PASSWORD = /:\/\/[^/\s:@]+:[^/\s@]+@/;

export function isSensitiveEnvName(name: string): boolean {
  return SECRET_NAME.test(name) && !REFERENCE_NAME.test(name);
}

export function looksLikeCredential(value: unknown): boolean {
  return typeof value === 'string' && URL_WITH_PASSWORD.test(value);
}

/** A field path's segments plus its values → whether to mask it. */
export function isSensitiveField(segments: readonly string[], ...values: unknown[]): boolean {
  const envAt = segments.indexOf('Env');
  if (envAt >= 0 && segments.length > envAt + 1) {
    const name = segments[envAt + 1] ?? '';
    if (isSensitiveEnvName(name)) return true;
  }
  return values.some(looksLikeCredential);
}

export const MASK = '(sensitive)';

/** `KEY=value` env entries with secret-looking names or values → `KEY=(sensitive)`. */
export function maskEnvEntries(env: readonly string[]): string[] {
  return env.map((entry) => {
    const eq = entry.indexOf('=');
    if (eq < 0) return entry;
    const name = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    return isSensitiveEnvName(name) || looksLikeCredential(value) ? `${name}=${MASK}` : entry;
  });
}
