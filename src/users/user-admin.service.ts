import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { actorOf, type ApiKeyPrincipal } from '../auth/decorators/auth.decorators';
import { ForbiddenError } from '../common/errors/domain-errors';
import { InviteUserDto } from './dto/create-user.dto';
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

  /**
   * PATCH: changes the fields given (locale, role, isAdmin). Every permission is checked before anything
   * changes: `role` needs a caller that may manage roles, `isAdmin` a global admin caller.
   */
  async update(id: string, dto: UpdateUserDto, caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    let view = await this.users.get(id);
    this.apiKeys.assertCanReachAccount(caller, view.user.accountId);
    if (dto.role !== undefined && !this.mayManageRoles(caller)) throw new ForbiddenError();
    if (dto.isAdmin !== undefined && !this.isGlobalAdmin(caller)) throw new ForbiddenError();
    if (dto.locale !== undefined) view = await this.users.setLocale(view, dto.locale);
    if (dto.role !== undefined) view = await this.users.changeRole(view, dto.role, actorOf(caller));
    if (dto.isAdmin !== undefined) view = await this.users.setSuperAdmin(view, dto.isAdmin, actorOf(caller));
    return { data: UserResponseDto.from(view) };
  }

  async create(accountId: string, dto: InviteUserDto, caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    this.apiKeys.assertCanReachAccount(caller, accountId);
    if (dto.role === 'admin' && !this.mayManageRoles(caller)) throw new ForbiddenError();
    const user = await this.users.createInvited(accountId, { ...dto, role: dto.role ?? 'member' });
    return { data: UserResponseDto.from({ user, hasPassword: false }) };
  }

  /** Who may give and take roles: a caller holding accounts:write (an owner, a global admin, an accounts:write key). */
  private mayManageRoles(caller: ApiKeyPrincipal): boolean {
    return this.apiKeys.allows(caller, 'accounts:write');
  }

  /** Only a caller bound to no account with scope admin (a global admin key or a super admin) makes super admins. */
  private isGlobalAdmin(caller: ApiKeyPrincipal): boolean {
    return caller.accountId === null && caller.scopes.includes('admin');
  }
}
