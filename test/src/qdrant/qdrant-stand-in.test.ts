import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQdrantStandIn, type QdrantStandIn } from './qdrant-stand-in.js';

// The stand-in answers the way Qdrant does for the calls the memory service makes; these checks
// pin that behaviour through the real client (they do not prove anything about Qdrant itself).
describe('Qdrant stand-in protocol', () => {
  let standIn: QdrantStandIn;
  let client: QdrantClient;
  beforeAll(async () => {
    standIn = await startQdrantStandIn();
    client = new QdrantClient({ url: standIn.url, checkCompatibility: false });
  });
  afterAll(async () => {
    await standIn?.close();
  });

  it('answers GET / unwrapped and wraps results as { result, status, time }', async () => {
    const root = (await (await fetch(`${standIn.url}/`)).json()) as {
      title: string;
      version: string;
    };
    expect(root.title).toBe('qdrant - vector search engine');
    const exists = (await (await fetch(`${standIn.url}/collections/nope/exists`)).json()) as Record<
      string,
      unknown
    >;
    expect(exists).toMatchObject({ result: { exists: false }, status: 'ok' });
    expect(typeof exists['time']).toBe('number');
  });

  it('sends errors shaped as Qdrant sends them', async () => {
    const response = await fetch(`${standIn.url}/collections/missing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      status: { error: "Not found: Collection `missing` doesn't exist!" },
    });
    await client.createCollection('twice', { vectors: { size: 2, distance: 'Cosine' } });
    await expect(
      client.createCollection('twice', { vectors: { size: 2, distance: 'Cosine' } }),
    ).rejects.toMatchObject({
      status: 409,
    });
    await expect(
      client.upsert('twice', { points: [{ id: 1, vector: [1, 2, 3] }] }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      client.upsert('twice', { points: [{ id: 'not-a-uuid', vector: [1, 2] }] }),
    ).rejects.toMatchObject({
      status: 400,
    });
  });

  it('scores Cosine collections by the dot product of normalised vectors, with filters, limit and threshold', async () => {
    await client.createCollection('cosine', { vectors: { size: 2, distance: 'Cosine' } });
    await client.upsert('cosine', {
      wait: true,
      points: [
        { id: 1, vector: [10, 0], payload: { tag: 'a' } },
        { id: 2, vector: [1, 1], payload: { tag: 'a' } },
        { id: 3, vector: [0, 5], payload: { tag: 'b' } },
        { id: '6F9619FF-8B86-D011-B42D-00C04FC964FF', vector: [-1, 0], payload: { tag: 'a' } },
      ],
    });
    const all = await client.query('cosine', { query: [2, 0], with_payload: true });
    expect(all.points.map((point) => [point.id, Number(point.score.toFixed(4))])).toEqual([
      [1, 1],
      [2, 0.7071],
      [3, 0],
      ['6f9619ff-8b86-d011-b42d-00c04fc964ff', -1],
    ]);
    const filtered = await client.query('cosine', {
      query: [2, 0],
      filter: { must: [{ key: 'tag', match: { value: 'a' } }] },
      score_threshold: 0.5,
      limit: 10,
    });
    expect(filtered.points.map((point) => point.id)).toEqual([1, 2]);
    expect(filtered.points[0]!.payload).toBeNull();
    expect(
      (await client.count('cosine', { filter: { must: [{ key: 'tag', match: { value: 'a' } }] } }))
        .count,
    ).toBe(3);
    const page = await client.scroll('cosine', { limit: 2, with_payload: true });
    expect(page.points.map((point) => point.id)).toEqual([1, 2]);
    expect(page.next_page_offset).toBe(3);
    await client.delete('cosine', { wait: true, points: [1] });
    expect((await client.count('cosine')).count).toBe(3);
    const info = await client.getCollection('cosine');
    expect(info.config.params.vectors).toEqual({ size: 2, distance: 'Cosine' });
  });

  it('stores 32-bit floats and leaves vectors of nearly unit length as they are, as Qdrant does', async () => {
    await client.createCollection('f32', { vectors: { size: 2, distance: 'Cosine' } });
    await client.upsert('f32', {
      wait: true,
      points: [
        { id: 1, vector: [3, 4] },
        // Squared length within 1e-6 of 1: Qdrant skips the division, so the score exceeds 1.
        { id: 2, vector: [1.0000004, 0] },
        { id: 3, vector: [0, 0] },
      ],
    });
    const stored = await client.retrieve('f32', { ids: [1, 2, 3], with_vector: true });
    expect(stored.map((point) => point.vector)).toEqual([
      [Math.fround(0.6), Math.fround(0.8)],
      [Math.fround(1.0000004), 0],
      [0, 0],
    ]);
    const found = await client.query('f32', { query: [2, 0] });
    expect(found.points.map((point) => [point.id, point.score])).toEqual([
      [2, Math.fround(1.0000004)],
      [1, Math.fround(0.6)],
      [3, 0],
    ]);
  });

  it('refuses validation errors with 422 and bodies over the size limit with 400', async () => {
    await expect(
      client.createCollection('bad-size', { vectors: { size: 0, distance: 'Cosine' } }),
    ).rejects.toMatchObject({ status: 422 });
    await using small = await startQdrantStandIn({ maxRequestBytes: 1024 });
    const limited = new QdrantClient({ url: small.url, checkCompatibility: false });
    await limited.createCollection('c', { vectors: { size: 2, distance: 'Cosine' } });
    const failure = await limited
      .upsert('c', { points: [{ id: 1, vector: [1, 0], payload: { text: 'x'.repeat(2000) } }] })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400 });
    expect((failure as { data: { status: { error: string } } }).data.status.error).toMatch(
      /^Payload error: JSON payload \(\d+ bytes\) is larger than allowed \(limit: 1024 bytes\)\.$/,
    );
    expect((await limited.count('c')).count).toBe(0);
  });

  it('checks the api-key header when it has one', async () => {
    await using guarded = await startQdrantStandIn({ apiKey: 'right-key' });
    const wrong = new QdrantClient({
      url: guarded.url,
      apiKey: 'wrong-key',
      checkCompatibility: false,
    });
    await expect(wrong.collectionExists('x')).rejects.toMatchObject({ status: 401 });
    const right = new QdrantClient({
      url: guarded.url,
      apiKey: 'right-key',
      checkCompatibility: false,
    });
    expect(await right.collectionExists('x')).toEqual({ exists: false });
  });
});
