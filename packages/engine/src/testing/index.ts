export { defaultReply, startFakeProvider, type ChatReply, type ChatRequest, type FakeProvider } from './openai-compatible-server.ts';
export { createCollectingSink } from './collecting-sink.ts';
export { createGatedModel } from './gated-model.ts';
