/**
 * Claims and constants of the JWTs this service issues. ES256 only, signed with the key ring's active
 * signing key and pinned on verify (src/core/keys/token-signer.ts; SECURITY.md E1–E3); `iss` is PUBLIC_URL.
 */
export { JWT_ALGORITHM } from './token-signer';
/** Access tokens (login, refresh, D3, D4). */
export const ACCESS_AUDIENCE = 'pls:access';
/** Email-verification tokens accepted only by D2 (SECURITY.md E6). */
export const VERIFICATION_AUDIENCE = 'pls:email-verification';
export const VERIFICATION_TTL_SECONDS = 15 * 60;
/** Change tokens (a login with a password due for change), accepted only by POST /users/me/password. */
export const PASSWORD_CHANGE_AUDIENCE = 'pls:password-change';
/** Their lifetime: the contract allows at most 10 minutes. */
export const PASSWORD_CHANGE_TTL_SECONDS = 10 * 60;
/** Value of D4's and login's `client_id`. */
export const CLIENT_ID = 'password-lifecycle';
export const ACCESS_SCOPE = 'user';

export interface AccessTokenClaims {
  sub: string;
  /** Password version: the user's credentialsChangedAt (ms) when issued; a later change refuses the token (SECURITY.md D2). */
  pwv: number;
  jti: string;
}
