import type { MessageKey } from '../messages/messages';

/** The four secrets an email link carries, each redeemed on a page of its own. */
export type SecretFlow = 'invitation' | 'verification' | 'reset' | 'recovery';

/** What distinguishes one flow's pages from another's: path, field name, wording, and where to ask again. */
export interface FlowSpec {
  flow: SecretFlow;
  /** The page's path under PUBLIC_URL; the default link template of the flow points here. */
  path: string;
  /** The form field, and the fragment parameter of the link, that carries the secret. */
  codeField: 'token' | 'code' | 'validation_code';
  /** 'initial' for a first password (invitation, verification), 'replace' for a reset. */
  mode: 'initial' | 'replace';
  title: MessageKey;
  intro: MessageKey;
  codeLabel: MessageKey;
  enterCode: MessageKey;
  submit: MessageKey;
  doneTitle: MessageKey;
  doneBody: MessageKey;
  expiredBody: MessageKey;
  /** The page that sends a new secret of this kind, when there is one. */
  requestNew?: string;
}

export const FLOWS: Record<SecretFlow, FlowSpec> = {
  invitation: {
    flow: 'invitation', path: '/set-password', codeField: 'token', mode: 'initial',
    title: 'invitation.title', intro: 'invitation.intro', codeLabel: 'invitation.code', enterCode: 'invitation.enterCode',
    submit: 'invitation.submit', doneTitle: 'invitation.done.title', doneBody: 'invitation.done.body', expiredBody: 'invitation.expired.body',
  },
  verification: {
    flow: 'verification', path: '/verify-email', codeField: 'code', mode: 'initial',
    title: 'verification.title', intro: 'verification.intro', codeLabel: 'verification.code', enterCode: 'verification.enterCode',
    submit: 'verification.submit', doneTitle: 'verification.done.title', doneBody: 'verification.done.body', expiredBody: 'verification.expired.body',
  },
  reset: {
    flow: 'reset', path: '/password-reset', codeField: 'code', mode: 'replace',
    title: 'reset.title', intro: 'reset.intro', codeLabel: 'reset.code', enterCode: 'reset.enterCode',
    submit: 'reset.submit', doneTitle: 'reset.done.title', doneBody: 'reset.done.body', expiredBody: 'reset.expired.body',
    requestNew: '/forgot-password',
  },
  recovery: {
    flow: 'recovery', path: '/account/reset', codeField: 'validation_code', mode: 'replace',
    title: 'reset.title', intro: 'reset.intro', codeLabel: 'recovery.code', enterCode: 'reset.enterCode',
    submit: 'reset.submit', doneTitle: 'reset.done.title', doneBody: 'reset.done.body', expiredBody: 'reset.expired.body',
    requestNew: '/account/recover',
  },
};

/** The pages that send a reset email: "forgot password" (a D5 code) and account recovery (a D4 code). */
export type RequestFlow = 'forgot' | 'recover';

export const REQUEST_FLOWS: Record<RequestFlow, { path: string; title: MessageKey; intro: MessageKey; submit: MessageKey; codePage: string }> = {
  forgot: { path: '/forgot-password', title: 'forgot.title', intro: 'forgot.intro', submit: 'forgot.submit', codePage: FLOWS.reset.path },
  recover: { path: '/account/recover', title: 'recover.title', intro: 'recover.intro', submit: 'recover.submit', codePage: FLOWS.recovery.path },
};

/** Every path a page answers on (the dialect registry answers failures on these in HTML). */
export const PAGE_PATHS: readonly string[] = [...Object.values(FLOWS).map((f) => f.path), ...Object.values(REQUEST_FLOWS).map((f) => f.path)];
