/**
 * Masks `secret` and the key-like tokens providers echo back in error messages (`sk-…`,
 * `key-…`, Google's `AIza…`, often half-masked already) in `text`.
 */
export function redactSecret(text: string, secret: string | undefined): string {
  const withoutSecret = secret ? text.split(secret).join('***') : text;
  return withoutSecret
    .replace(/\b(sk|key)-[A-Za-z0-9*_-]{4,}/g, '$1-***')
    .replace(/\bAIza[A-Za-z0-9*_-]{8,}/g, 'AIza***');
}
