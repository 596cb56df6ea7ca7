import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import { PostgresSessionService } from '@ferrite/session/postgres';
import { humanInTheLoopContract } from './hitl-contract.js';

const connectionString = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `hitl_${process.pid}_${Date.now()}`;
const services: PostgresSessionService[] = [];

beforeAll(async () => {
  await new PostgresSessionService({ connectionString, schema }).migrate().then(() => undefined);
});

afterAll(async () => {
  for (const service of services) await service.close();
  const pool = new pg.Pool({ connectionString });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

// A new service (its own pool) per Runner: a resume reads only what PostgreSQL stored.
humanInTheLoopContract('PostgresSessionService', () => {
  const service = new PostgresSessionService({ connectionString, schema });
  services.push(service);
  return service;
});
