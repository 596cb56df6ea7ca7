/**
 * A Qdrant stand-in: an HTTP server that speaks the part of Qdrant's REST protocol that
 * `@qdrant/js-client-rest` uses for Ferrite's memory service. It is NOT Qdrant. It exists
 * because no Qdrant server can be installed on the machines these tests run on (no package,
 * no binary on npm, no container engine); the same tests run against a real Qdrant when
 * `QDRANT_URL` is set.
 *
 * Faithful to the protocol where the memory service can tell the difference: replies wrapped as
 * `{ result, status: "ok", time }`; errors shaped as Qdrant sends them
 * (`{ status: { error }, time }`: 400 for bad input, 401, 404, 409 for an existing collection,
 * 422 for a validation error); request bodies limited to 32 MiB as Qdrant's default
 * `max_request_size_mb` (400 `Payload error` beyond); vectors stored as 32-bit floats; Cosine
 * collections preprocess every vector (stored or query) as Qdrant does, in 32-bit arithmetic:
 * divided by its length unless its squared length is below `f32::EPSILON` or within 1e-6 of 1,
 * then score by dot product; filters with `must` / `should` / `must_not` over `match.value` /
 * `match.any`; `score_threshold` (kept when the score is at least the threshold), `limit`,
 * `offset`, `with_payload`; UUID or unsigned-integer point ids (UUIDs normalised to lower-case
 * hyphenated form); vector size checks. Everything is held in memory and exact (no HNSW), and
 * dot products are summed in order, so scores may differ from Qdrant's SIMD sums in the last
 * bit of a float.
 *
 * Run it alone with `tsx test/src/qdrant/qdrant-stand-in.ts`: it prints its URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

/** Options of {@link startQdrantStandIn}. */
export interface QdrantStandInOptions {
  /** When set, every request must carry it in the `api-key` header (as Qdrant checks). */
  apiKey?: string;
  /** Port to listen on (default 0: a free one). */
  port?: number;
  /** Largest request body accepted, in bytes (default 32 MiB, Qdrant's default). */
  maxRequestBytes?: number;
}

/** One request the stand-in answered, for tests that check batching. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** URL path, without the query. */
  path: string;
  /** Parsed JSON body (undefined when empty or refused). */
  body: unknown;
  /** Size of the body in bytes. */
  bytes: number;
}

/** A running stand-in. */
export interface QdrantStandIn extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:49152`. */
  url: string;
  /** Every request answered so far, oldest first. */
  requests: RecordedRequest[];
  /** Stops the server. */
  close(): Promise<void>;
}

type PointId = string | number;
type Payload = Record<string, unknown>;
interface StoredPoint {
  id: PointId;
  vector: Float32Array;
  payload: Payload;
  version: number;
}
interface Collection {
  size: number;
  distance: 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
  points: Map<string, StoredPoint>;
  payloadSchema: Map<string, string>;
  operations: number;
}

/** A failure answered the way Qdrant answers it. */
class QdrantHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Qdrant's default `service.max_request_size_mb`. */
const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;
/** `f32::EPSILON`. */
const F32_EPSILON = 1.1920929e-7;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const COLLECTION_NAME = /^[^/\\\0]{1,255}$/;

/** Starts the stand-in on 127.0.0.1 (port 0 unless given). */
export async function startQdrantStandIn(
  options: QdrantStandInOptions = {},
): Promise<QdrantStandIn> {
  const collections = new Map<string, Collection>();
  const requests: RecordedRequest[] = [];

  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const server = createServer((request, response) => {
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      body: undefined,
      bytes: 0,
    };
    requests.push(recorded);
    readJson(request, maxRequestBytes, recorded)
      .then((body) => {
        if (options.apiKey !== undefined && request.headers['api-key'] !== options.apiKey) {
          throw new QdrantHttpError(
            401,
            'Must provide an API key or an Authorization bearer token',
          );
        }
        if (url.pathname === '/' && request.method === 'GET') {
          return send(response, 200, { title: 'qdrant - vector search engine', version: '1.18.0' });
        }
        const result = route(collections, request.method ?? 'GET', url, body);
        send(response, 200, { result, status: 'ok', time: elapsed(started) });
      })
      .catch((error: unknown) => {
        const status = error instanceof QdrantHttpError ? error.status : 500;
        const message =
          error instanceof QdrantHttpError
            ? error.message
            : `Service internal error: ${String(error)}`;
        send(response, status, { status: { error: message }, time: elapsed(started) });
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return { url: `http://127.0.0.1:${port}`, requests, close, [Symbol.asyncDispose]: close };
}

function route(
  collections: Map<string, Collection>,
  method: string,
  url: URL,
  body: unknown,
): unknown {
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segments[0] !== 'collections') throw new QdrantHttpError(404, `Not found: ${url.pathname}`);
  if (segments.length === 1 && method === 'GET') {
    return { collections: [...collections.keys()].map((name) => ({ name })) };
  }
  const name = segments[1]!;
  const action = segments.slice(2).join('/');
  const wait = url.searchParams.get('wait') === 'true';
  const input = (body ?? {}) as Record<string, unknown>;

  if (action === 'exists' && method === 'GET') return { exists: collections.has(name) };
  if (action === '' && method === 'PUT') return createCollection(collections, name, input);
  if (action === '' && method === 'DELETE') return collections.delete(name);

  const collection = collections.get(name);
  if (!collection)
    throw new QdrantHttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
  const update = () => ({
    operation_id: collection.operations++,
    status: wait ? 'completed' : 'acknowledged',
  });

  switch (`${method} ${action}`) {
    case 'GET ':
      return collectionInfo(collection);
    case 'PUT index': {
      const field = input['field_name'];
      if (typeof field !== 'string')
        throw new QdrantHttpError(400, 'Format error in JSON body: missing field `field_name`');
      const schema = input['field_schema'];
      collection.payloadSchema.set(
        field,
        typeof schema === 'string' ? schema : String((schema as { type?: unknown })?.type),
      );
      return update();
    }
    case 'PUT points':
      upsert(collection, input);
      return update();
    case 'POST points': {
      const ids = Array.isArray(input['ids']) ? input['ids'] : [];
      return ids
        .map((id) => collection.points.get(String(normaliseId(id))))
        .filter((point): point is StoredPoint => point !== undefined)
        .map((point) => present(point, input['with_payload'] ?? true, input['with_vector']));
    }
    case 'POST points/delete':
      deletePoints(collection, input);
      return update();
    case 'POST points/count':
      return { count: matching(collection, input['filter']).length };
    case 'POST points/scroll':
      return scroll(collection, input);
    case 'POST points/search':
      return search(collection, input['vector'], input);
    case 'POST points/query': {
      const query = input['query'];
      const vector = Array.isArray(query)
        ? query
        : (query as { nearest?: unknown } | undefined)?.nearest;
      return { points: search(collection, vector, input) };
    }
    default:
      throw new QdrantHttpError(404, `Not found: ${method} ${url.pathname}`);
  }
}

function createCollection(
  collections: Map<string, Collection>,
  name: string,
  input: Record<string, unknown>,
): boolean {
  if (!COLLECTION_NAME.test(name))
    throw new QdrantHttpError(
      422,
      `Validation error in path parameters: [name: invalid collection name]`,
    );
  if (collections.has(name))
    throw new QdrantHttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
  const vectors = input['vectors'] as { size?: unknown; distance?: unknown } | undefined;
  const size = vectors?.size;
  const distance = vectors?.distance;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new QdrantHttpError(
      422,
      `Validation error in JSON body: [vectors.size: value ${String(size)} invalid, must be 1 or larger]`,
    );
  }
  if (
    distance !== 'Cosine' &&
    distance !== 'Dot' &&
    distance !== 'Euclid' &&
    distance !== 'Manhattan'
  ) {
    throw new QdrantHttpError(
      400,
      `Format error in JSON body: unknown variant \`${String(distance)}\``,
    );
  }
  collections.set(name, {
    size,
    distance,
    points: new Map(),
    payloadSchema: new Map(),
    operations: 0,
  });
  return true;
}

function collectionInfo(collection: Collection): unknown {
  const payloadSchema: Record<string, unknown> = {};
  for (const [field, type] of collection.payloadSchema) {
    const points = [...collection.points.values()].filter(
      (point) => point.payload[field] !== undefined,
    ).length;
    payloadSchema[field] = { data_type: type, params: { type }, points };
  }
  return {
    status: 'green',
    optimizer_status: 'ok',
    indexed_vectors_count: 0,
    points_count: collection.points.size,
    segments_count: 1,
    config: {
      params: {
        vectors: { size: collection.size, distance: collection.distance },
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
      },
      hnsw_config: {
        m: 16,
        ef_construct: 100,
        full_scan_threshold: 10000,
        max_indexing_threads: 0,
        on_disk: false,
      },
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        flush_interval_sec: 5,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
    },
    payload_schema: payloadSchema,
  };
}

function upsert(collection: Collection, input: Record<string, unknown>): void {
  let points: { id: unknown; vector: unknown; payload?: unknown }[];
  if (Array.isArray(input['points'])) {
    points = input['points'] as typeof points;
  } else if (input['batch'] && typeof input['batch'] === 'object') {
    const batch = input['batch'] as { ids?: unknown[]; vectors?: unknown[]; payloads?: unknown[] };
    points = (batch.ids ?? []).map((id, index) => ({
      id,
      vector: batch.vectors?.[index],
      payload: batch.payloads?.[index],
    }));
  } else {
    throw new QdrantHttpError(
      400,
      'Format error in JSON body: data did not match any variant of untagged enum PointInsertOperations',
    );
  }
  // Validate the whole batch first: Qdrant applies none of a rejected request.
  const prepared = points.map((point) => {
    const id = normaliseId(point.id);
    const vector = point.vector;
    if (
      !Array.isArray(vector) ||
      !vector.every((value) => typeof value === 'number' && Number.isFinite(value))
    ) {
      throw new QdrantHttpError(400, 'Format error in JSON body: expected a vector of numbers');
    }
    if (vector.length !== collection.size) {
      throw new QdrantHttpError(
        400,
        `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${vector.length}`,
      );
    }
    const payload =
      point.payload && typeof point.payload === 'object' ? (point.payload as Payload) : {};
    return { id, vector: prepare(collection.distance, vector as number[]), payload };
  });
  for (const point of prepared) {
    collection.points.set(String(point.id), { ...point, version: collection.operations });
  }
}

function deletePoints(collection: Collection, input: Record<string, unknown>): void {
  if (Array.isArray(input['points'])) {
    for (const id of input['points']) collection.points.delete(String(normaliseId(id)));
  } else if (input['filter'] !== undefined) {
    for (const point of matching(collection, input['filter']))
      collection.points.delete(String(point.id));
  } else {
    throw new QdrantHttpError(400, 'Format error in JSON body: expected `points` or `filter`');
  }
}

function scroll(collection: Collection, input: Record<string, unknown>): unknown {
  const limit = positiveInteger(input['limit'], 10, 'limit');
  const all = matching(collection, input['filter']).sort((a, b) => compareIds(a.id, b.id));
  const start =
    input['offset'] === undefined || input['offset'] === null
      ? 0
      : all.findIndex((point) => compareIds(point.id, normaliseId(input['offset'])) >= 0);
  const page = start < 0 ? [] : all.slice(start, start + limit);
  const next = start < 0 ? undefined : all[start + limit];
  return {
    points: page.map((point) =>
      present(point, input['with_payload'] ?? true, input['with_vector']),
    ),
    next_page_offset: next ? next.id : null,
  };
}

function search(
  collection: Collection,
  vector: unknown,
  input: Record<string, unknown>,
): unknown[] {
  if (!Array.isArray(vector) || !vector.every((value) => typeof value === 'number')) {
    throw new QdrantHttpError(400, 'Format error in JSON body: expected a query vector');
  }
  if (vector.length !== collection.size) {
    throw new QdrantHttpError(
      400,
      `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${vector.length}`,
    );
  }
  const query = prepare(collection.distance, vector);
  const limit = positiveInteger(input['limit'], 10, 'limit');
  const offset =
    input['offset'] === undefined || input['offset'] === null
      ? 0
      : positiveInteger(input['offset'], 0, 'offset');
  const threshold =
    typeof input['score_threshold'] === 'number' ? input['score_threshold'] : undefined;
  const scored = matching(collection, input['filter'])
    .map((point) => ({ point, score: score(collection.distance, query, point.vector) }))
    .filter(
      ({ score: value }) =>
        threshold === undefined || passes(collection.distance, value, threshold),
    )
    .sort(
      (a, b) =>
        (biggerIsBetter(collection.distance) ? b.score - a.score : a.score - b.score) ||
        compareIds(a.point.id, b.point.id),
    );
  return scored.slice(offset, offset + limit).map(({ point, score: value }) => ({
    ...present(point, input['with_payload'] ?? false, input['with_vector']),
    version: point.version,
    score: value,
  }));
}

function present(
  point: StoredPoint,
  withPayload: unknown,
  withVector: unknown,
): Record<string, unknown> {
  const shown: Record<string, unknown> = { id: point.id };
  if (withPayload === true) shown['payload'] = point.payload;
  else if (Array.isArray(withPayload)) {
    shown['payload'] = Object.fromEntries(
      withPayload
        .filter((key) => typeof key === 'string' && key in point.payload)
        .map((key: string) => [key, point.payload[key]]),
    );
  } else shown['payload'] = null;
  shown['vector'] = withVector === true ? [...point.vector] : null;
  return shown;
}

function matching(collection: Collection, filter: unknown): StoredPoint[] {
  return [...collection.points.values()].filter((point) => matchesFilter(point, filter));
}

function matchesFilter(point: StoredPoint, filter: unknown): boolean {
  if (filter === undefined || filter === null) return true;
  const {
    must,
    should,
    must_not: mustNot,
  } = filter as { must?: unknown; should?: unknown; must_not?: unknown };
  const list = (value: unknown): unknown[] =>
    value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  if (!list(must).every((condition) => matchesCondition(point, condition))) return false;
  const anyOf = list(should);
  if (anyOf.length > 0 && !anyOf.some((condition) => matchesCondition(point, condition)))
    return false;
  return !list(mustNot).some((condition) => matchesCondition(point, condition));
}

function matchesCondition(point: StoredPoint, condition: unknown): boolean {
  const shape = condition as {
    key?: unknown;
    match?: { value?: unknown; any?: unknown[]; except?: unknown[] };
    has_id?: unknown[];
    must?: unknown;
    should?: unknown;
    must_not?: unknown;
  };
  if (shape.has_id) return shape.has_id.some((id) => String(normaliseId(id)) === String(point.id));
  if (shape.must !== undefined || shape.should !== undefined || shape.must_not !== undefined)
    return matchesFilter(point, shape);
  if (typeof shape.key !== 'string' || !shape.match) {
    throw new QdrantHttpError(
      400,
      'Format error in JSON body: data did not match any variant of untagged enum Condition',
    );
  }
  const value = shape.key
    .split('.')
    .reduce<unknown>((current, key) => (current as Payload | undefined)?.[key], point.payload);
  const values = Array.isArray(value) ? value : [value];
  if ('value' in shape.match) return values.some((candidate) => candidate === shape.match!.value);
  if (shape.match.any) return values.some((candidate) => shape.match!.any!.includes(candidate));
  if (shape.match.except)
    return values.every(
      (candidate) => candidate !== undefined && !shape.match!.except!.includes(candidate),
    );
  throw new QdrantHttpError(400, 'Format error in JSON body: unsupported match');
}

function normaliseId(id: unknown): PointId {
  if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return id;
  if (typeof id === 'string' && UUID.test(id)) {
    const hex = id.replaceAll('-', '').toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  throw new QdrantHttpError(
    400,
    `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
}

function compareIds(a: PointId, b: PointId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A vector as Qdrant stores it: 32-bit floats, preprocessed for Cosine. */
function prepare(distance: Collection['distance'], vector: number[]): Float32Array {
  const stored = Float32Array.from(vector);
  return distance === 'Cosine' ? cosinePreprocess(stored) : stored;
}

/**
 * Qdrant's Cosine preprocessing, in 32-bit arithmetic: a vector whose squared length is below
 * `f32::EPSILON` (zero) or within 1e-6 of 1 (already unit length) is kept as it is; any other is
 * divided by its length.
 */
function cosinePreprocess(vector: Float32Array): Float32Array {
  let squared = 0;
  for (const value of vector) squared = Math.fround(squared + Math.fround(value * value));
  if (squared < F32_EPSILON || Math.abs(squared - 1) <= 1e-6) return vector;
  const length = Math.fround(Math.sqrt(squared));
  return vector.map((value) => value / length);
}

/** The score Qdrant reports: dot product for Cosine and Dot, distance for Euclid and Manhattan. */
function score(distance: Collection['distance'], a: Float32Array, b: Float32Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const term =
      distance === 'Euclid'
        ? Math.fround((x - y) * (x - y))
        : distance === 'Manhattan'
          ? Math.fround(Math.abs(x - y))
          : Math.fround(x * y);
    total = Math.fround(total + term);
  }
  return distance === 'Euclid' ? Math.fround(Math.sqrt(total)) : total;
}

function biggerIsBetter(distance: Collection['distance']): boolean {
  return distance === 'Cosine' || distance === 'Dot';
}

function passes(distance: Collection['distance'], value: number, threshold: number): boolean {
  return biggerIsBetter(distance) ? value >= threshold : value <= threshold;
}

function positiveInteger(value: unknown, fallback: number, field: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new QdrantHttpError(400, `Format error in JSON body: invalid value for ${field}`);
  }
  return value;
}

/**
 * Reads a JSON body. Past `limit` bytes the rest is read and dropped, and the request is refused
 * with the error Qdrant (actix-web's JSON extractor) gives.
 */
async function readJson(
  request: IncomingMessage,
  limit: number,
  recorded: RecordedRequest,
): Promise<unknown> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    bytes += (chunk as Buffer).length;
    if (bytes <= limit) chunks.push(chunk as Buffer);
  }
  recorded.bytes = bytes;
  if (bytes > limit) {
    const declared = Number(request.headers['content-length'] ?? bytes);
    throw new QdrantHttpError(
      400,
      `Payload error: JSON payload (${declared} bytes) is larger than allowed (limit: ${limit} bytes).`,
    );
  }
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    recorded.body = JSON.parse(text) as unknown;
    return recorded.body;
  } catch {
    throw new QdrantHttpError(400, 'Format error in JSON body: expected value at line 1 column 1');
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function elapsed(started: number): number {
  return (performance.now() - started) / 1000;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const standIn = await startQdrantStandIn({ port: Number(process.env['PORT'] ?? 0) });
  console.log(standIn.url);
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
