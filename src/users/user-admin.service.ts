import { Injectable } from '@nestjs/common';
import { actorOf, type Caller } from '../access/caller';
import { authorize, roleAuthority, SUPER_ADMIN_AUTHORITY } from '../access/policy';
import { InviteUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserEnvelopeDto, UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';

/** The admin API's use of users: the access policy (src/access/policy.ts) on the loaded user, then the users service. */
@Injectable()
export class UserAdminService {
  constructor(private readonly users: UsersService) {}

  async get(id: string, caller: Caller): Promise<UserEnvelopeDto> {
    const view = await this.users.get(id);
    authorize(caller, 'users.read', { user: view.user });
    return { data: UserResponseDto.from(view) };
  }

  /**
   * PATCH: changes the fields given (locale, role, isAdmin). Every permission is checked before anything
   * changes: `role` and `isAdmin` are grants the caller must hold itself, never to its own user.
   */
  async update(id: string, dto: UpdateUserDto, caller: Caller): Promise<UserEnvelopeDto> {
    let view = await this.users.get(id);
    const user = view.user;
    authorize(caller, 'users.update', { user });
    // A user without an account has no role to give (the users service answers ROLE_CONFLICT).
    if (dto.role !== undefined) authorize(caller, 'users.role.give', { user, grants: user.accountId ? roleAuthority(dto.role, user.accountId) : undefined });
    if (dto.isAdmin !== undefined) authorize(caller, 'users.superAdmin.change', { user, grants: SUPER_ADMIN_AUTHORITY });
    if (dto.locale !== undefined) view = await this.users.setLocale(view, dto.locale);
    if (dto.role !== undefined) view = await this.users.changeRole(view, dto.role, actorOf(caller));
    if (dto.isAdmin !== undefined) view = await this.users.setSuperAdmin(view, dto.isAdmin, actorOf(caller));
    return { data: UserResponseDto.from(view) };
  }

  async create(accountId: string, dto: InviteUserDto, caller: Caller): Promise<UserEnvelopeDto> {
    authorize(caller, 'users.invite', { accountId });
    if (dto.role !== undefined && dto.role !== 'member') authorize(caller, 'users.role.give', { accountId, grants: roleAuthority(dto.role, accountId) });
    const user = await this.users.createInvited(accountId, { ...dto, role: dto.role ?? 'member' }, actorOf(caller));
    return { data: UserResponseDto.from({ user, hasPassword: false }) };
  }
}
