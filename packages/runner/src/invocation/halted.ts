/** Thrown inside the runner when its invocation was stopped (cancelled, interrupted or a guard). */
export class Halted extends Error {
  constructor() {
    super('The invocation was stopped');
    this.name = 'Halted';
  }
}
