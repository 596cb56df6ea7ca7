import { describe, expect, it } from 'vitest';
import { memoryPointId } from './memory-point-id.js';

describe('memoryPointId', () => {
  it('is a version 5 UUID, the same for the same event', () => {
    const id = memoryPointId('app', 'u1', 's1', 'e1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(memoryPointId('app', 'u1', 's1', 'e1')).toBe(id);
  });

  it('differs when any part differs, however the parts are split', () => {
    const ids = new Set([
      memoryPointId('app', 'u1', 's1', 'e1'),
      memoryPointId('app', 'u2', 's1', 'e1'),
      memoryPointId('app', 'u1', 's2', 'e1'),
      memoryPointId('app', 'u1', 's1', 'e2'),
      memoryPointId('app2', 'u1', 's1', 'e1'),
      memoryPointId('a', 'b/c', 'd', 'e'),
      memoryPointId('a/b', 'c', 'd', 'e'),
    ]);
    expect(ids.size).toBe(7);
  });
});
