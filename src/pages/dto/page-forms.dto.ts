import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * The forms of the pages behind the email links (application/x-www-form-urlencoded). Every field is
 * optional here: an empty or missing one is a refusal the page shows beside the field, in words, not a
 * request error. Only what no form of ours sends (a non-string, an unknown field, an oversized value) is
 * refused before the page runs.
 */
export class SecretPageForm {
  /** `open` (default): show the account and the rules for the secret; `set`: choose the password. */
  @ApiPropertyOptional({ enum: ['open', 'set'], default: 'open' })
  @IsOptional() @IsString() @IsIn(['open', 'set'])
  step?: 'open' | 'set';

  @ApiPropertyOptional({ description: 'The new password (never trimmed).', maxLength: 4096 })
  @IsOptional() @IsString() @MaxLength(4096)
  password?: string;

  @ApiPropertyOptional({ description: 'The new password again.', maxLength: 4096 })
  @IsOptional() @IsString() @MaxLength(4096)
  confirm?: string;

  @ApiPropertyOptional({ description: 'The read-only email field the page shows for password managers; ignored.', maxLength: 320 })
  @IsOptional() @IsString() @MaxLength(320)
  username?: string;
}

export class InvitationPageForm extends SecretPageForm {
  @ApiPropertyOptional({ description: 'The invitation token from the email (the link\'s `#token=`).', maxLength: 512 })
  @IsOptional() @IsString() @MaxLength(512)
  token?: string;
}

export class CodePageForm extends SecretPageForm {
  @ApiPropertyOptional({ description: 'The code from the email (the link\'s `#code=`).', maxLength: 512 })
  @IsOptional() @IsString() @MaxLength(512)
  code?: string;
}

export class ValidationCodePageForm extends SecretPageForm {
  @ApiPropertyOptional({ description: 'The D4 validation code from the email (the link\'s `#validation_code=`).', maxLength: 512 })
  @IsOptional() @IsString() @MaxLength(512)
  validation_code?: string;
}

export class EmailPageForm {
  @ApiPropertyOptional({ description: 'The email address of the account.', maxLength: 320 })
  @IsOptional() @IsString() @MaxLength(320)
  email?: string;
}
