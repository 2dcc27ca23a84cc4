import { Injectable } from '@nestjs/common';
import { actorOf, type Caller } from '../../access/caller';
import { authorize, roleAuthority, SUPER_ADMIN_AUTHORITY } from '../../access/policy';
import { InviteUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserEnvelopeDto, UserResponseDto } from './dto/user-response.dto';
import { UserLifecycleService } from './user-lifecycle.service';
import { UsersService } from './users.service';

/** The admin API's use of users: the access policy (src/access/policy.ts) on the loaded user, then the users service. */
@Injectable()
export class UserAdminService {
  constructor(private readonly users: UsersService, private readonly lifecycle: UserLifecycleService) {}

  async get(id: string, caller: Caller): Promise<UserEnvelopeDto> {
    const view = await this.users.get(id);
    authorize(caller, 'users.read', { user: view.user });
    return { data: UserResponseDto.from(view) };
  }

  /**
   * PATCH: changes the fields given (locale, role, isAdmin, disabled). Every permission is checked before
   * anything changes: `role` and `isAdmin` are grants the caller must hold itself; `disabled` never applies
   * to a user above the caller.
   */
  async update(id: string, dto: UpdateUserDto, caller: Caller): Promise<UserEnvelopeDto> {
    let view = await this.users.get(id);
    const user = view.user;
    authorize(caller, 'users.update', { user });
    // A user without an account has no role to give (the users service answers ROLE_CONFLICT).
    if (dto.role !== undefined) authorize(caller, 'users.role.give', { user, grants: user.accountId ? roleAuthority(dto.role, user.accountId) : undefined });
    if (dto.isAdmin !== undefined) authorize(caller, 'users.superAdmin.change', { user, grants: SUPER_ADMIN_AUTHORITY });
    if (dto.disabled !== undefined) authorize(caller, 'users.disable', { user });
    if (dto.locale !== undefined) view = await this.users.setLocale(view, dto.locale);
    if (dto.role !== undefined) view = await this.users.changeRole(view, dto.role, actorOf(caller));
    if (dto.isAdmin !== undefined) view = await this.users.setSuperAdmin(view, dto.isAdmin, actorOf(caller));
    if (dto.disabled !== undefined) view = { ...view, user: await this.lifecycle.setDisabled(id, dto.disabled, caller) };
    return { data: UserResponseDto.from(view) };
  }

  /** DELETE /users/{id}: erases the user (UserLifecycleService.erase). */
  erase(id: string, caller: Caller): Promise<void> {
    return this.lifecycle.erase(id, caller);
  }

  async create(accountId: string, dto: InviteUserDto, caller: Caller): Promise<UserEnvelopeDto> {
    authorize(caller, 'users.invite', { accountId });
    if (dto.role !== undefined && dto.role !== 'member') authorize(caller, 'users.role.give', { accountId, grants: roleAuthority(dto.role, accountId) });
    const user = await this.users.createInvited(accountId, { ...dto, role: dto.role ?? 'member' }, actorOf(caller));
    return { data: UserResponseDto.from({ user, hasPassword: false }) };
  }
}
