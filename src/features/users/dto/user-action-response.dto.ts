import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from './user-response.dto';

/** What an admin action that mails the user answers: whom it was for, and that the email was queued. */
export class UserMailSentDto {
  @ApiProperty({ format: 'uuid', example: '9b2e7d41-5c3a-4f86-b0d9-1e7a3c5f8b24' }) user_id: string;
  /** Always true: the email is queued in the durable outbox and delivered when SMTP accepts it. */
  @ApiProperty({ example: true }) sent: boolean;
}

export class UserMailSentEnvelopeDto {
  @ApiProperty({ type: UserMailSentDto }) data: UserMailSentDto;
}

/** One page of an account's users, newest first. */
export class AccountUsersPageDto {
  @ApiProperty({ type: [UserResponseDto] }) data: UserResponseDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'MTc2NDUyNjg5NTEyMzo1YjJlMGY3YS0xYzNkLTRlNWYtOGE5Yi0wYzFkMmUzZjRhNWI',
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  })
  next_cursor: string | null;
}

/** What PUT /users/{id}/password-hash answers: whose hash was imported and the scheme it is stored under; never the hash. */
export class PasswordHashImportedDto {
  @ApiProperty({ format: 'uuid', example: '9b2e7d41-5c3a-4f86-b0d9-1e7a3c5f8b24' }) user_id: string;
  @ApiProperty({ enum: ['bcrypt', 'argon2', 'django-pbkdf2-sha256', 'firebase-scrypt'], example: 'bcrypt' }) format: string;
  /** The scheme it is stored and verified under until the next login rehashes it into the configured one. */
  @ApiProperty({ enum: ['bcrypt', 'argon2id', 'argon2i', 'argon2d', 'django-pbkdf2-sha256', 'firebase-scrypt'], example: 'bcrypt' }) algorithm: string;
  /** Whether a password was replaced (the previous one is kept in the history). */
  @ApiProperty({ example: false }) replaced: boolean;
}

export class PasswordHashImportedEnvelopeDto {
  @ApiProperty({ type: PasswordHashImportedDto }) data: PasswordHashImportedDto;
}
