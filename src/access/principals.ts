/** The caller of a route guarded by a session action (@Can('me.read'), …): a logged-in user. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
}

/** The caller of D2 (@Can('passwords.setWithVerification')): the holder of an email-verification JWT. */
export interface VerificationPrincipal {
  kind: 'verification';
  userId: string;
  /** The JWT's id, recorded as a one-time token (purpose 'verification_jwt'); consumed by D2 (SECURITY.md E7). */
  jti: string;
}

/** The caller of POST /users/me/password with a change token (a login whose password was due for change). */
export interface ChangePrincipal {
  kind: 'change';
  userId: string;
  /** The token's id, consumed by the change (one use). */
  jti: string;
}
