import { VERIFICATION_CODE } from '../../features/auth/sign-up.usecase';
import type { AppConfig } from '../../ground/config/app-config';
import { isTypedSecretLength } from '../../core/mail/mail-templates';
import type { MessageKey } from '../../core/messages/messages';

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

export interface RequestFlowSpec {
  path: string;
  title: MessageKey;
  /** What the page is for, and what the email will hold (`{expiry}`: how long it works). */
  intro: MessageKey;
  /** The same, when the flow's code is too long to type in (RESET_CODE_LENGTH above 12): the link only. */
  introLinkOnly: MessageKey;
  submit: MessageKey;
  /** The flow whose code the email carries, and the page that takes it typed in. */
  codeFlow: SecretFlow;
  codePage: string;
  /** The other way to a new password, and the sentence that says how it differs (`{expiry}`: the other's lifetime). */
  other: RequestFlow;
  toOther: MessageKey;
  /** The sentence praises the other's code as one to type in: said only when that code is short enough (RESET_CODE_LENGTH). */
  toOtherNeedsTypedCode: boolean;
}

export const REQUEST_FLOWS: Record<RequestFlow, RequestFlowSpec> = {
  forgot: {
    path: '/forgot-password', title: 'forgot.title', intro: 'forgot.intro', introLinkOnly: 'forgot.intro.link', submit: 'forgot.submit',
    codeFlow: 'reset', codePage: FLOWS.reset.path, other: 'recover', toOther: 'forgot.toRecover', toOtherNeedsTypedCode: false,
  },
  recover: {
    path: '/account/recover', title: 'recover.title', intro: 'recover.intro', introLinkOnly: 'recover.intro', submit: 'recover.submit',
    codeFlow: 'recovery', codePage: FLOWS.recovery.path, other: 'forgot', toOther: 'recover.toForgot', toOtherNeedsTypedCode: true,
  },
};

/** After "Check your email", how long the page waits before it offers another email (seconds). */
export const RESEND_COOLDOWN_SECONDS = 60;

/** What the pages take from the configuration: which secrets a person can type, and how long each emailed one works. */
export interface PageOptions {
  /** Per flow: true when its secret is short enough to type in (TYPED_SECRET_MAX_LENGTH); a longer one is pasted or, better, linked. */
  typed: Readonly<Record<SecretFlow, boolean>>;
  /** Per request page: how long the emailed code works (ms). */
  expiryMs: Readonly<Record<RequestFlow, number>>;
  /** How long "Check your email" waits before it offers another email (seconds). */
  resendCooldownSeconds: number;
}

export function pageOptions(config: Pick<AppConfig, 'resetCodeLength' | 'resetCodeTtlMs' | 'recoveryCodeTtlMs'>): PageOptions {
  return {
    typed: {
      invitation: false, // 256 random bits
      verification: isTypedSecretLength(VERIFICATION_CODE.length),
      reset: isTypedSecretLength(config.resetCodeLength),
      recovery: false, // a selector, a dot and 256 random bits
    },
    expiryMs: { forgot: config.resetCodeTtlMs, recover: config.recoveryCodeTtlMs },
    resendCooldownSeconds: RESEND_COOLDOWN_SECONDS,
  };
}

/** Every path a page answers on (the dialect registry answers failures on these in HTML). */
export const PAGE_PATHS: readonly string[] = [...Object.values(FLOWS).map((f) => f.path), ...Object.values(REQUEST_FLOWS).map((f) => f.path)];
