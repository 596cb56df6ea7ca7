import { InvalidArgumentError, type ArtifactVersion, type Part } from '@ferrite/core';
import { toArtifactRecord, toStorableMetadata } from '../validation/artifact-request.js';

/** User-metadata key holding the description as plain JSON. */
const RAW_KEY = 'ferrite';
/** User-metadata key holding the description as base64 of the JSON (non-ASCII, odd spacing). */
const BASE64_KEY = 'ferrite-b64';
/** S3 allows 2 KB of user metadata per object (keys and values). */
const MAX_METADATA_BYTES = 2048;
/** JSON that survives an HTTP header and SigV4 canonicalisation untouched. */
const HEADER_SAFE = /^[\x21-\x7e]+( [\x21-\x7e]+)*$/;

/** What an object's user metadata says about the part it holds. */
export interface StoredDescription {
  /** Which field of the part the object holds. */
  kind: 'inline' | 'text' | 'file';
  /** The part's mime type. */
  mimeType: string;
  /** When the version was saved (ms since the epoch). */
  createTime: number;
  /** Display name of inline data. */
  displayName?: string;
  /** URI of a file reference (the body is empty). */
  fileUri?: string;
  /** The caller's custom metadata. */
  customMetadata?: Record<string, unknown>;
}

/** A part turned into what one S3 object stores. */
export interface EncodedPart {
  /** The decoded bytes. */
  body: Buffer;
  /** `Content-Type` to store. */
  contentType: string;
  /** User metadata to store (`x-amz-meta-*`). */
  metadata: Record<string, string>;
}

/** Splits a part into the object body (the decoded bytes) and its user metadata. */
export function encodePart(
  part: Part,
  customMetadata: Record<string, unknown> | undefined,
  createTime: number,
): EncodedPart {
  const record = toArtifactRecord(part);
  const custom = toStorableMetadata(customMetadata);
  const { inlineData, text, fileData } = record.part;
  let description: StoredDescription;
  let body: Buffer;
  if (inlineData) {
    const { displayName } = inlineData;
    description = {
      kind: 'inline',
      mimeType: record.mimeType,
      createTime,
      ...(displayName === undefined ? {} : { displayName }),
    };
    body = record.bytes!;
  } else if (text !== undefined) {
    description = { kind: 'text', mimeType: record.mimeType, createTime };
    body = Buffer.from(text, 'utf8');
  } else {
    description = {
      kind: 'file',
      mimeType: record.mimeType,
      createTime,
      fileUri: fileData!.fileUri,
    };
    body = Buffer.alloc(0);
  }
  if (custom !== undefined) description.customMetadata = custom;
  const json = JSON.stringify(description);
  const [key, value] = HEADER_SAFE.test(json)
    ? [RAW_KEY, json]
    : [BASE64_KEY, Buffer.from(json, 'utf8').toString('base64')];
  if (Buffer.byteLength(key) + Buffer.byteLength(value) > MAX_METADATA_BYTES) {
    throw new InvalidArgumentError(
      `artifact metadata (custom metadata, display name, file URI) is too large for S3 object metadata (${MAX_METADATA_BYTES} bytes)`,
    );
  }
  return { body, contentType: description.mimeType, metadata: { [key]: value } };
}

/** Reads the description back from an object's user metadata (keys are lower-cased by S3). */
export function readDescription(
  metadata: Record<string, string> | undefined,
  contentType: string | undefined,
  lastModified: Date | undefined,
): StoredDescription {
  const raw = metadata?.[RAW_KEY] ?? decodeBase64(metadata?.[BASE64_KEY]);
  if (raw !== undefined) {
    try {
      return JSON.parse(raw) as StoredDescription;
    } catch {
      // Fall through: treat it as an object written by another tool.
    }
  }
  return {
    kind: 'inline',
    mimeType: contentType ?? 'application/octet-stream',
    createTime: lastModified?.getTime() ?? 0,
  };
}

/** Rebuilds the part from the decoded body and its description. */
export function decodePart(description: StoredDescription, body: Buffer): Part {
  switch (description.kind) {
    case 'text':
      return { text: body.toString('utf8') };
    case 'file':
      return { fileData: { mimeType: description.mimeType, fileUri: description.fileUri ?? '' } };
    default:
      return {
        inlineData: {
          mimeType: description.mimeType,
          data: body.toString('base64'),
          ...(description.displayName === undefined
            ? {}
            : { displayName: description.displayName }),
        },
      };
  }
}

/** The {@link ArtifactVersion} of a stored object. */
export function toArtifactVersion(
  version: number,
  description: StoredDescription,
  size: number,
): ArtifactVersion {
  return {
    version,
    mimeType: description.mimeType,
    size,
    createTime: description.createTime,
    ...(description.customMetadata === undefined
      ? {}
      : { customMetadata: description.customMetadata }),
  };
}

function decodeBase64(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}
