import { InMemorySessionService } from '@ferrite/session';
import { humanInTheLoopContract } from './hitl-contract.js';

const service = new InMemorySessionService();
// One store for every Runner of a test: a resume with a fresh Runner reads what the first stored.
humanInTheLoopContract('InMemorySessionService', () => service);
