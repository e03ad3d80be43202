export {
  CLIENT_ADDRESS_HEADER,
  createAuth,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PERSONAL_TOKEN_PREFIX,
  type Auth,
  type AuthOptions,
  type OidcProviderConfig,
} from './create-auth.ts';
export { ACCOUNT_DISABLED, createIdentityResolver, type CredentialSource, type Identity, type IdentityResolver, type IdentityResult } from './identity.ts';
export { createPersonalToken, type NewPersonalToken } from './personal-tokens.ts';
export { roleScopes, SCOPE_DESCRIPTIONS, TOKEN_SCOPES, type TokenScope } from './scopes.ts';
export { addressKey, createSignInThrottle, type SignInThrottle, type SignInThrottleOptions } from './sign-in-throttle.ts';
export { createWatchTokens, MAX_WATCH_TOKEN_SECONDS, WATCH_TOKEN_PREFIX, WatchTokenError, type WatchTokenClaims, type WatchTokens } from './watch-tokens.ts';
export { hashPassword } from 'better-auth/crypto';
