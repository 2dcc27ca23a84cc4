/**
 * A user's role in its account (CONTRACT.md "Callers with JWT bearer tokens"): the account has exactly
 * one `owner` (its first user, until ownership is transferred), any number of `admin`s, and `member`s.
 * Users without an account are members.
 */
export const USER_ROLES = ['owner', 'admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** The roles POST /accounts/{id}/users may give: the owner is made by POST /accounts or a transfer. */
export const INVITABLE_ROLES = ['admin', 'member'] as const satisfies readonly UserRole[];
export type InvitableRole = (typeof INVITABLE_ROLES)[number];
