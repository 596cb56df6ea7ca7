export {
  ScriptedModel,
  untilAborted,
  type ScriptedTurn,
  type ScriptedModelConfig,
} from './scripted-model.js';
export type { ContractFactory } from './contract-factory.js';
export { expectFerriteError, randomAppName } from './expect-ferrite-error.js';
export { sessionServiceContract } from './session-service-contract.js';
export {
  artifactServiceContract,
  expectDistinctVersionsFromTwoWriters,
} from './artifact-service-contract.js';
export { memoryServiceContract, type MemoryContractOptions } from './memory-service-contract.js';
export {
  sessionRunLockContract,
  type SessionRunLockContractFactory,
} from './session-run-lock-contract.js';
export { abortableDelay } from '../async/abortable-delay.js';
