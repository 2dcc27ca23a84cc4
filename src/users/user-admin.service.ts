import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { ApiKeyPrincipal } from '../auth/decorators/auth.decorators';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserEnvelopeDto, UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';

/** The admin API's use of users: account boundaries of the calling key, then the users service. */
@Injectable()
export class UserAdminService {
  constructor(private readonly users: UsersService, private readonly apiKeys: ApiKeysService) {}

  async get(id: string, caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    const view = await this.users.get(id);
    this.apiKeys.assertCanReachAccount(caller, view.user.accountId);
    return { data: UserResponseDto.from(view) };
  }

  /** PATCH: changes the fields given (today the locale). */
  async update(id: string, dto: UpdateUserDto, caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    let view = await this.users.get(id);
    this.apiKeys.assertCanReachAccount(caller, view.user.accountId);
    if (dto.locale !== undefined) view = await this.users.setLocale(view, dto.locale);
    return { data: UserResponseDto.from(view) };
  }

  async create(accountId: string, dto: CreateUserDto, caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    this.apiKeys.assertCanReachAccount(caller, accountId);
    const user = await this.users.createInvited(accountId, dto);
    return { data: UserResponseDto.from({ user, hasPassword: false }) };
  }
}
