import { describe, expect, it } from 'vitest';

// The tokenizer and the text selection are shared by every backend and embedder, but they are
// not what a user of the package needs: they live under ./internal, not in the root.
describe('@ferrite/memory exports', () => {
  it('keeps the tokenizer and the text selection out of the root', async () => {
    const root = Object.keys(await import('./index.js'));
    expect(root).toContain('InMemoryMemoryService');
    expect(root).toContain('HashingEmbedder');
    expect(root).not.toContain('tokenizeWords');
    expect(root).not.toContain('memoryTextOf');
  });

  it('exports them from ./internal', async () => {
    expect(Object.keys(await import('./internal/index.js')).sort()).toEqual([
      'memoryTextOf',
      'tokenizeWords',
    ]);
  });
});
