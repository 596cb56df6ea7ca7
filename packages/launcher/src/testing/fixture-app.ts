// A launcher program for the tests: `node --import tsx fixture-app.ts [chat|serve|...]`.
import { InMemoryArtifactService } from '@ferrite/artifact';
import { Launcher } from '../launcher/launcher.js';
import { fixtureAgent } from './fixture-agent.js';

await new Launcher(fixtureAgent())
  .appName('fixture')
  .artifactService(new InMemoryArtifactService())
  .programName('fixture-app')
  .run();
