/**
 * Every sentence a person reads in the pages behind the email links and in the emails, in English.
 * The reference catalog: every other language has exactly these keys (checked by the compiler through
 * `Catalog` and by src/messages/messages.spec.ts). `{name}` marks a value filled in when rendering; the
 * templates escape it. Dialect sentences are not here: they belong to the presenters (src/dialects).
 */
export const en = {
  'lang.name': 'English',
  'app.name': 'Account access',
  'app.skip': 'Skip to main content',

  // Durations and dates, used by "expires in …".
  'duration.minutes.one': '{n} minute',
  'duration.minutes.other': '{n} minutes',
  'duration.hours.one': '{n} hour',
  'duration.hours.other': '{n} hours',
  'duration.days.one': '{n} day',
  'duration.days.other': '{n} days',

  // Password rules, as the page lists them before the person types.
  'rules.heading': 'Your password must:',
  'rules.minLength': 'be at least {min} characters long',
  'rules.maxLength': 'be at most {max} characters long',
  'rules.class.lower': 'contain a lowercase letter',
  'rules.class.upper': 'contain an uppercase letter',
  'rules.class.digit': 'contain a digit',
  'rules.class.special': 'contain a symbol or space, such as ! ? # or %',
  'rules.minClasses': 'contain at least {min} of these: lowercase letters, uppercase letters, digits, symbols',
  'rules.common': 'not be a common or previously leaked password',
  'rules.userInfo': 'not contain your name or email address',
  'rules.history': 'not be one of your last {size} passwords',
  'rules.met': 'done',
  'rules.unmet': 'not yet',

  // Refusals, shown beside the field they concern.
  'error.summary': 'There is a problem',
  'error.password.required': 'Enter a password.',
  'error.password.minLength': 'The password is too short: use at least {min} characters.',
  'error.password.maxLength': 'The password is too long: use at most {max} characters.',
  'error.password.class.lower': 'Add a lowercase letter.',
  'error.password.class.upper': 'Add an uppercase letter.',
  'error.password.class.digit': 'Add a digit.',
  'error.password.class.special': 'Add a symbol or a space, such as ! ? # or %.',
  'error.password.minClasses': 'Use at least {min} kinds of characters: lowercase letters, uppercase letters, digits, symbols.',
  'error.password.common': 'This password is too common or has appeared in a data leak: choose another one.',
  'error.password.userInfo': 'The password must not contain your name or email address.',
  'error.password.history': 'You have used this password recently: choose one you have not used in your last {size} passwords.',
  'error.confirm.required': 'Enter the password again.',
  'error.confirm.mismatch': 'The two passwords do not match.',
  'error.code.required': 'Enter the code from the email.',
  'error.email.required': 'Enter your email address.',
  'error.email.invalid': 'Enter an email address in the form name@example.com.',
  'error.form': 'The form could not be read. Reload the page and try again.',

  // The forms.
  'field.email': 'Email address',
  'field.password': 'New password',
  'field.confirm': 'Repeat the new password',
  'field.code.hint': 'It is in the email we sent you, on the line that starts with "Code:".',
  'form.continue': 'Continue',
  'form.account': 'Account: {account}',
  'form.signingInAs': 'You sign in with this email address.',

  // Choosing a password from an invitation (D1).
  'invitation.title': 'Choose your password',
  'invitation.intro.account': 'You have been invited to {account}. Choose a password to start signing in.',
  'invitation.intro': 'You have been invited. Choose a password to start signing in.',
  'invitation.code': 'Invitation code',
  'invitation.enterCode': 'Enter the invitation code from your email to continue.',
  'invitation.submit': 'Set password',
  'invitation.done.title': 'Your password is set',
  'invitation.done.body': 'You can now sign in with your email address and your new password.',
  'invitation.expired.body': 'Invitations work once and expire after a while. If you have already chosen your password, sign in with it or reset it; otherwise ask the person who invited you for a new invitation.',

  // Verifying an email address and choosing a password (sign-up code, then D2).
  'verification.title': 'Verify your email address',
  'verification.intro': 'Choose a password to finish signing up. Submitting this form also confirms your email address.',
  'verification.code': 'Verification code',
  'verification.enterCode': 'Enter the verification code from your email to continue.',
  'verification.submit': 'Verify and set password',
  'verification.done.title': 'Your email address is verified and your password is set',
  'verification.done.body': 'You can now sign in with your email address and your new password.',
  'verification.expired.body': 'Verification codes work once and expire after a while. If you have already chosen your password, sign in with it or reset it; otherwise sign up again with the same email address to receive a new code.',

  // Resetting with an emailed code (D5) or validation code (D4).
  'reset.title': 'Choose a new password',
  'reset.intro': 'Choose a new password for your account. When it is saved, every device signed in to your account is signed out.',
  'reset.code': 'Reset code',
  'recovery.code': 'Validation code',
  'reset.enterCode': 'Enter the code from your password reset email to continue.',
  'reset.noCode': 'No code? Request a new one.',
  'reset.submit': 'Change password',
  'reset.done.title': 'Your password has been changed',
  'reset.done.body': 'You can now sign in with your new password. Devices that were signed in to your account have been signed out.',
  'reset.expired.body': 'Reset links work once and expire after a while. Request a new email and use the newest one.',
  'reset.requestNew': 'Request a new email',

  // "Forgot password" (requests a D5 code) and account recovery (requests a D4 code).
  'forgot.title': 'Reset your password',
  'forgot.intro': 'Enter the email address of your account. If it is registered, we will send you an email with a link to choose a new password.',
  'forgot.submit': 'Send reset email',
  'forgot.haveCode': 'Already have a code? Enter it here.',
  'recover.title': 'Recover your account',
  'recover.intro': 'Enter the email address of your account. If it is registered, we will send you an email with a link to choose a new password.',
  'recover.submit': 'Send recovery email',
  'sent.title': 'Check your email',
  'sent.body': 'If an account exists for {email}, we have sent it an email with a link to choose a new password. It can take a few minutes to arrive; the link expires in {expiry}.',
  'sent.spam': 'Nothing arrived? Check your spam folder, or request another email in a minute.',

  // End states shared by all flows.
  'expired.title': 'This link has expired or was already used',
  'alreadySet.title': 'Your password is already set',
  'alreadySet.body': 'This account already has a password. Sign in with it, or reset it if you have forgotten it.',
  'alreadySet.action': 'Reset my password',
  'disabled.title': 'This account does not use passwords',
  'disabled.body': 'Your organization signs you in another way. Ask your account administrator how to sign in.',
  'limited.title': 'Too many attempts',
  'limited.body': 'For your security, this has been paused. Try again in {wait}.',
  'unavailable.title': 'Temporarily unavailable',
  'unavailable.body': 'The service cannot save anything right now. Nothing was changed; try again in a moment.',
  'badRequest.title': 'Something went wrong',
  'notFound.title': 'Page not found',
  'notFound.body': 'Check the link in your email, or copy the whole link into the address bar of your browser.',
  'error.title': 'Something went wrong',
  'error.body': 'Nothing was changed. Try again in a moment.',

  // Emails. {account} and {name} are flattened to one line before they are filled in.
  'mail.greeting.name': 'Hello {name},',
  'mail.greeting': 'Hello,',
  'mail.codeLead': 'If the link does not work, enter this code on the page instead:',
  'mail.linkLead': 'Or copy this link into your browser:',
  'mail.footer': 'This email was sent automatically. Replies are not read.',
  'mail.invitation.subject.account': 'You have been invited to {account}',
  'mail.invitation.subject': 'You have been invited',
  'mail.invitation.intro.account': 'You have been invited to join {account}. Choose a password to start signing in.',
  'mail.invitation.intro': 'You have been invited to sign in. Choose a password to get started.',
  'mail.invitation.action': 'Choose your password',
  'mail.invitation.expiry': 'The invitation works once and expires in {expiry}.',
  'mail.invitation.notYou': 'Not expecting this invitation? You can ignore this email: nothing happens until a password is chosen.',
  'mail.verification.subject': 'Verify your email address',
  'mail.verification.intro': 'Thanks for signing up. Confirm your email address and choose a password to finish.',
  'mail.verification.action': 'Verify and choose a password',
  'mail.verification.expiry': 'The code works once and expires in {expiry}.',
  'mail.verification.notYou': 'Did not sign up? You can ignore this email: the address is not used until it is verified.',
  'mail.reset.subject': 'Your password reset code',
  'mail.reset.intro': 'We received a request to reset the password of the account for this email address.',
  'mail.recovery.subject': 'Recover your account',
  'mail.recovery.intro': 'We received a request to recover the account for this email address.',
  'mail.reset.action': 'Choose a new password',
  'mail.reset.expiry': 'The code works once and expires in {expiry}.',
  'mail.reset.notYou': 'Did not ask for this? You can ignore this email: your password stays as it is. If you get these emails often, tell your account administrator.',
  'mail.changed.subject': 'Your password was changed',
  'mail.changed.intro': 'The password of your account was changed on {when}.',
  'mail.set.subject': 'Your password was set',
  'mail.set.intro': 'A password was set for your account on {when}. You can now sign in with it.',
  'mail.changed.ok': 'If this was you, there is nothing else to do.',
  'mail.changed.notYou': 'If this was not you, someone else may have access to your account: reset your password now and tell your account administrator right away.',
  'mail.changed.action': 'Reset my password',
  'mail.changed.noSecret': 'For your security, this email contains no password and no code.',
} as const;

export type MessageKey = keyof typeof en;
/** A complete catalog: every key of the English one, each a string. */
export type Catalog = Record<MessageKey, string>;
