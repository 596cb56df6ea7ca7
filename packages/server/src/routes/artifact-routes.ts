import { ArtifactNotFoundError, validateFilename, type ArtifactService } from '@ferrite/core';
import type { RequestContext } from '../handler/request-context.js';
import { version } from '../http/parse.js';
import { jsonResponse } from '../http/responses.js';
import { targetOf } from './session-routes.js';

interface ArtifactTarget {
  service: ArtifactService | undefined;
  appName: string;
  userId: string;
  sessionId: string;
}

function artifactTarget(context: RequestContext): ArtifactTarget {
  const { runner, appName, userId, sessionId } = targetOf(context);
  return { service: runner.artifactService, appName, userId, sessionId };
}

function filenameOf(context: RequestContext): string {
  return validateFilename(context.params.name);
}

/** `GET …/sessions/:session/artifacts` — the artifact names (none without an artifact service). */
export async function listArtifacts(context: RequestContext): Promise<Response> {
  const { service, ...scope } = artifactTarget(context);
  return jsonResponse(service ? await service.listArtifactKeys(scope) : []);
}

/** `GET …/artifacts/:name[?version=n]` — the artifact as a Part, or 404. */
export async function loadArtifact(context: RequestContext): Promise<Response> {
  const requested = context.url.searchParams.get('version');
  return load(context, requested === null ? undefined : version(requested));
}

/** `GET …/artifacts/:name/versions/:version` — one version as a Part, or 404. */
export async function loadArtifactVersion(context: RequestContext): Promise<Response> {
  return load(context, version(context.params.version ?? ''));
}

async function load(context: RequestContext, at: number | undefined): Promise<Response> {
  const { service, ...scope } = artifactTarget(context);
  const filename = filenameOf(context);
  const part = await service?.loadArtifact({
    ...scope,
    filename,
    ...(at !== undefined ? { version: at } : {}),
  });
  if (!part) {
    const which = at === undefined ? '' : ` version ${at}`;
    throw new ArtifactNotFoundError(`artifact ${JSON.stringify(filename)}${which} not found`);
  }
  return jsonResponse(part);
}

/** `GET …/artifacts/:name/versions` — the versions, ascending. */
export async function listArtifactVersions(context: RequestContext): Promise<Response> {
  const { service, ...scope } = artifactTarget(context);
  const filename = filenameOf(context);
  return jsonResponse(service ? await service.listVersions({ ...scope, filename }) : []);
}

/** `DELETE …/artifacts/:name` — removes every version; idempotent, answers `null` (ADK). */
export async function deleteArtifact(context: RequestContext): Promise<Response> {
  const { service, ...scope } = artifactTarget(context);
  const filename = filenameOf(context);
  await service?.deleteArtifact({ ...scope, filename });
  return jsonResponse(null);
}
