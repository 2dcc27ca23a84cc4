import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IsLinkTemplate, LINK_KINDS, LINK_TEMPLATE_DESCRIPTION, LINK_TEMPLATE_MAX_LENGTH, LINK_TEMPLATE_PATTERN, LinkOverrides } from '../../common/link-template';

const template = (example: string, description: string) => ({
  type: String,
  nullable: true,
  maxLength: LINK_TEMPLATE_MAX_LENGTH,
  pattern: LINK_TEMPLATE_PATTERN,
  example,
  description: `${description}. ${LINK_TEMPLATE_DESCRIPTION}`,
});

/**
 * An account's own link templates for its users' emails: absolute http(s) URLs containing `{code}`
 * exactly once, which is replaced by the URL-encoded secret. A kind left out or null uses the
 * configured template (INVITATION_LINK, VERIFICATION_LINK, RESET_LINK, RECOVERY_LINK).
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
}

/** The stored templates of an account, every kind present: null means the configured template applies. */
export class AccountLinksResponseDto {
  @ApiProperty({ type: String, nullable: true, example: 'https://app.acme.example/welcome#code={code}' }) invitation: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) verification: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'https://app.acme.example/reset#code={code}' }) reset: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) recovery: string | null;

  static from(links: LinkOverrides | null): AccountLinksResponseDto {
    return { invitation: links?.invitation ?? null, verification: links?.verification ?? null, reset: links?.reset ?? null, recovery: links?.recovery ?? null };
  }
}

/** What is stored: only the kinds given, or null when none is. */
export function storedLinks(dto: AccountLinksDto | undefined | null): LinkOverrides | null {
  const entries = LINK_KINDS.flatMap((kind) => (typeof dto?.[kind] === 'string' ? [[kind, dto[kind]] as const] : []));
  return entries.length ? Object.fromEntries(entries) : null;
}
