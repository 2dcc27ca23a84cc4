import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IsOneOf } from '../../../ground/common/validation';

/**
 * The forms of the pages behind the email links (application/x-www-form-urlencoded). Every field is
 * optional to the validation: an empty or missing one is a refusal the page shows beside the field, in
 * words, not a request error, and so is an overlong one (the policy's "too long", an unknown code, an
 * invalid address): the body limit (100 kB) bounds them all. Only what no form of ours sends (a
 * non-string, an unknown field) is refused before the page runs. The OpenAPI document marks required
 * what the form needs to do its work (the secret, the address), as the pages' inputs do (`required`).
 */
export class SecretPageForm {
  /** `open` (default): show the account and the rules for the secret; `set`: choose the password. */
  @ApiPropertyOptional({ enum: ['open', 'set'], default: 'open' })
  @IsOptional() @IsString() @IsOneOf(['open', 'set'])
  step?: 'open' | 'set';

  @ApiPropertyOptional({ description: 'The new password (never trimmed). Required with `step=set`.' })
  @IsOptional() @IsString()
  password?: string;

  @ApiPropertyOptional({ description: 'The new password again. Required with `step=set`.' })
  @IsOptional() @IsString()
  confirm?: string;

  @ApiPropertyOptional({ description: 'The read-only email field the page shows for password managers; ignored.' })
  @IsOptional() @IsString()
  username?: string;
}

export class InvitationPageForm extends SecretPageForm {
  @ApiProperty({ required: true, description: 'The invitation token from the email (the link\'s `#token=`).' })
  @IsOptional() @IsString()
  token?: string;
}

export class CodePageForm extends SecretPageForm {
  @ApiProperty({ required: true, description: 'The code from the email (the link\'s `#code=`).' })
  @IsOptional() @IsString()
  code?: string;
}

export class ValidationCodePageForm extends SecretPageForm {
  @ApiProperty({ required: true, description: 'The D4 validation code from the email (the link\'s `#validation_code=`).' })
  @IsOptional() @IsString()
  validation_code?: string;
}

export class EmailPageForm {
  @ApiProperty({ required: true, description: 'The email address of the account.', format: 'email' })
  @IsOptional() @IsString()
  email?: string;
}
