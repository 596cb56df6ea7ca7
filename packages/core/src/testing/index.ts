export {
  ScriptedModel,
  abortableDelay,
  untilAborted,
  type ScriptedTurn,
  type ScriptedModelOptions,
} from './scripted-model.js';
