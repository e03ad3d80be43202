import { createAaeClient, type AaeClient } from '@aae/client';
import { resolveCredentials } from './config.ts';

export interface Session {
  url: string;
  token: string;
  client: AaeClient;
}

/** The signed-in client for a command: the stored login, or `AAE_URL` / `AAE_TOKEN`. */
export async function openSession(): Promise<Session> {
  const { url, token } = await resolveCredentials();
  return { url, token, client: createAaeClient({ baseUrl: url, token }) };
}
