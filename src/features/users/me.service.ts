import { Injectable } from '@nestjs/common';
import { UserEnvelopeDto, UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';

/** GET /users/me: the logged-in user, in the same explicit DTO as the admin view (never a hash). */
@Injectable()
export class MeService {
  constructor(private readonly users: UsersService) {}

  async get(userId: string): Promise<UserEnvelopeDto> {
    return { data: UserResponseDto.from(await this.users.get(userId)) };
  }
}
