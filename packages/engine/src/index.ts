export * from './model.ts';
export { createLocalModel, composeLocalResponse, type LocalModelOptions } from './local-model.ts';
export * from './template.ts';
export * from './run-assistant.ts';
export * from './knowledge.ts';
export * from './embedding.ts';
