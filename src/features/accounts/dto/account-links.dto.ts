import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IsLinkTemplate, IsSignInUrl, LINK_KINDS, LINK_TEMPLATE_DESCRIPTION, LINK_TEMPLATE_MAX_LENGTH, LINK_TEMPLATE_PATTERN } from '../../../ground/config/link-template';
import type { AccountLinks } from '../../../core/entities/account.entity';

const template = (example: string, description: string) => ({
  type: String,
  nullable: true,
  maxLength: LINK_TEMPLATE_MAX_LENGTH,
  pattern: LINK_TEMPLATE_PATTERN,
  example,
  description: `${description}. ${LINK_TEMPLATE_DESCRIPTION}`,
});

/**
 * An account's own links: the templates of its users' emails, absolute http(s) URLs containing `{code}`
 * exactly once, which is replaced by the URL-encoded secret (a kind left out or null uses the
 * configured template: INVITATION_LINK, VERIFICATION_LINK, RESET_LINK, RECOVERY_LINK); and `sign_in`,
 * where its users sign in, an absolute http(s) URL without `{code}` that the success pages link to
 * (left out or null: SIGN_IN_URL, or no link when that is unset); `change_password`, where they change
 * their password, which the notices link to (left out or null: the service's reset page).
 */
export class AccountLinksDto {
  @ApiPropertyOptional(template('https://app.example.com/welcome#token={code}', 'Invitation (D1 set-password token)'))
  @IsOptional() @IsString() @IsLinkTemplate()
  invitation?: string | null;

  @ApiPropertyOptional(template('https://app.example.com/verify#code={code}', 'Sign-up email verification code'))
  @IsOptional() @IsString() @IsLinkTemplate()
  verification?: string | null;

  @ApiPropertyOptional(template('https://app.example.com/reset#code={code}', 'Password reset (D5 reset code)'))
  @IsOptional() @IsString() @IsLinkTemplate()
  reset?: string | null;

  @ApiPropertyOptional(template('https://app.example.com/recover#validation_code={code}', 'Account recovery (D4 validation code)'))
  @IsOptional() @IsString() @IsLinkTemplate()
  recovery?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: LINK_TEMPLATE_MAX_LENGTH, format: 'uri', example: 'https://app.example.com/sign-in', description: 'Where the users sign in: the pages\' success pages ("Your password is set") link to it. An absolute http(s) URL without `{code}`; null: SIGN_IN_URL, or no link.' })
  @IsOptional() @IsString() @IsSignInUrl()
  sign_in?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: LINK_TEMPLATE_MAX_LENGTH, format: 'uri', example: 'https://app.example.com/settings/password', description: 'Where the users change their password: the "password changed" and expiry-warning emails link to it. An absolute http(s) URL without `{code}`; null: the service\'s reset page (/forgot-password).' })
  @IsOptional() @IsString() @IsSignInUrl()
  change_password?: string | null;
}

/** The stored templates of an account, every kind present: null means the configured template applies. */
export class AccountLinksResponseDto {
  @ApiProperty({ type: String, nullable: true, example: 'https://app.acme.example/welcome#code={code}' }) invitation: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) verification: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'https://app.acme.example/reset#code={code}' }) reset: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) recovery: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uri', example: 'https://app.acme.example/sign-in', description: 'Where the users sign in (null: SIGN_IN_URL, or no link)' }) sign_in: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uri', example: null, description: "Where the users change their password (null: the service's reset page)" }) change_password: string | null;

  static from(a: AccountLinks): AccountLinksResponseDto {
    const links = a.links;
    return {
      invitation: links?.invitation ?? null, verification: links?.verification ?? null, reset: links?.reset ?? null, recovery: links?.recovery ?? null,
      sign_in: a.signInUrl ?? null, change_password: a.changePasswordUrl ?? null,
    };
  }
}

/** What is stored: only the kinds given (or null when none is), and the sign-in and change-password addresses or null. */
export function storedLinks(dto: AccountLinksDto | undefined | null): AccountLinks {
  const entries = LINK_KINDS.flatMap((kind) => (typeof dto?.[kind] === 'string' ? [[kind, dto[kind]] as const] : []));
  return {
    links: entries.length ? Object.fromEntries(entries) : null,
    signInUrl: typeof dto?.sign_in === 'string' ? dto.sign_in : null,
    changePasswordUrl: typeof dto?.change_password === 'string' ? dto.change_password : null,
  };
}
