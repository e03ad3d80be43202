export { createAaeClient, getExecutionEvents, getExecutionEventsByType, type AaeClient } from './client.ts';
export { createLinks, type LinkOptions } from './links.ts';
