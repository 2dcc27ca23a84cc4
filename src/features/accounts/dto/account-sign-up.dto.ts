import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsString, MaxLength, ValidateBy } from 'class-validator';
import { normalizeSignUpDomain, type SignUpSettings } from '../sign-up-rule';

/** At most this many domains per account. */
export const SIGN_UP_DOMAINS_MAX = 50;
const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])$/;

/** A domain name (letters, digits, hyphens, at least one dot; an IDN in Unicode or punycode), not an address or a URL. */
export function IsSignUpDomain(): PropertyDecorator {
  return ValidateBy(
    { name: 'isSignUpDomain', validator: { validate: (value) => typeof value === 'string' && DOMAIN_NAME.test(normalizeSignUpDomain(value)) } },
    { each: true, message: 'each value in $property must be a domain name', context: { params: { format: 'domain name, e.g. acme.example' } } },
  );
}

/**
 * Who may join the account with POST /auth/signup and its `account_id` (CONTRACT.md "No escalation").
 * Closed unless `selfSignUp` is true (anyone) or the address's domain is one of `signUpDomains` (exact
 * match: a subdomain is another domain). Otherwise sign-up answers 403 SIGN_UP_CLOSED.
 */
export class AccountSignUpDto {
  @ApiProperty({ type: Boolean, description: 'Anyone may join by self sign-up.', example: false })
  @IsDefined() @IsBoolean()
  selfSignUp: boolean;

  @ApiProperty({
    type: [String], maxItems: SIGN_UP_DOMAINS_MAX, example: ['acme.example'],
    description: 'Email domains whose addresses may join by self sign-up (exact match, case-insensitive; stored lower case, IDNs as punycode).',
  })
  @IsDefined() @IsArray() @ArrayMaxSize(SIGN_UP_DOMAINS_MAX) @IsString({ each: true }) @MaxLength(253, { each: true }) @IsSignUpDomain()
  signUpDomains: string[];
}

/** The stored settings. */
export class AccountSignUpResponseDto {
  @ApiProperty({ type: Boolean, example: false }) selfSignUp: boolean;
  @ApiProperty({ type: [String], example: ['acme.example'] }) signUpDomains: string[];

  static from(settings: SignUpSettings): AccountSignUpResponseDto {
    return { selfSignUp: settings.selfSignUp, signUpDomains: [...settings.signUpDomains] };
  }
}

/** What is stored: domains normalized and without repeats. */
export function storedSignUp(dto: Partial<AccountSignUpDto> | undefined): SignUpSettings {
  return { selfSignUp: dto?.selfSignUp ?? false, signUpDomains: [...new Set((dto?.signUpDomains ?? []).map(normalizeSignUpDomain))] };
}
