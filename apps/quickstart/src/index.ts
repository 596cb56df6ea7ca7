export { createDesk } from './desk.js';
export { DemoModel } from './demo-model.js';
export { modelFromEnv } from './model-from-env.js';
