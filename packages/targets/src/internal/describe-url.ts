/** A URL for messages: origin and path only, so query strings and credentials never show. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'the endpoint';
  }
}
