import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional } from 'class-validator';
import { IsOneOf } from '../../../ground/common/validation';
import { CHAR_CLASSES, CharClass, PasswordPolicy } from '../../../core/password/password-policy';

/**
 * A password policy on the wire. Missing fields take the service default:
 * {"minLength":8,"maxLength":99,"requiredClasses":["lower","upper","digit","special"],"minClasses":0,
 *  "historySize":0,"maxAgeDays":0,"rejectCommon":true,"rejectUserInfo":false,"passwordLogin":true}
 */
export class PasswordPolicyDto implements Partial<PasswordPolicy> {
  /** Minimum length in Unicode code points after NFKC normalization (at least 8). */
  @ApiPropertyOptional({ example: 8 }) @IsOptional() @IsInt() minLength?: number;
  /** Maximum length in code points (at most 1024). */
  @ApiPropertyOptional({ example: 99 }) @IsOptional() @IsInt() maxLength?: number;
  /** Classes every password must contain. */
  @ApiPropertyOptional({ enum: CHAR_CLASSES, isArray: true, example: ['lower', 'upper', 'digit', 'special'] })
  @IsOptional() @IsArray() @ArrayMaxSize(4) @IsOneOf(CHAR_CLASSES, { each: true })
  requiredClasses?: CharClass[];
  /** At least k of the 4 classes (0 = off). */
  @ApiPropertyOptional({ example: 0 }) @IsOptional() @IsInt() minClasses?: number;
  /** Reject the last N passwords (the current one included); 0 = off. */
  @ApiPropertyOptional({ example: 0 }) @IsOptional() @IsInt() historySize?: number;
  /** Days until a password expires (0 = never); sets D3's expiryDate. */
  @ApiPropertyOptional({ example: 0 }) @IsOptional() @IsInt() maxAgeDays?: number;
  /** Reject passwords on the offline list of common and breached passwords. */
  @ApiPropertyOptional({ example: true }) @IsOptional() @IsBoolean() rejectCommon?: boolean;
  /** Reject passwords containing the email's local part or the user's names. */
  @ApiPropertyOptional({ example: false }) @IsOptional() @IsBoolean() rejectUserInfo?: boolean;
  /** False: the account does not use passwords. */
  @ApiPropertyOptional({ example: true }) @IsOptional() @IsBoolean() passwordLogin?: boolean;
}
