import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** An artifact or artifact version does not exist (`artifact.not_found`); services return `undefined`, the HTTP layer uses this. */
export class ArtifactNotFoundError extends FerriteError {
  static override readonly code = 'artifact.not_found';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
