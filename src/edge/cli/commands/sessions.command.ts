import { Command, SubCommand } from 'nest-commander';
import { UserActionsService } from '../../../features/users/user-actions.service';
import { CliCommand, SYSTEM } from '../cli-context';

@SubCommand({ name: 'end', arguments: '<user-id>', description: "end every session of a user (as DELETE /users/{id}/sessions; audited with actor system)" })
export class SessionsEndCommand extends CliCommand {
  async run([userId]: string[]): Promise<void> {
    await this.ctx.guard(async () => {
      await this.ctx.withApp((app) => app.get(UserActionsService).endSessions(userId, SYSTEM));
      this.ctx.print(userId);
    });
  }
}

@Command({ name: 'sessions', description: "end a user's sessions", subCommands: [SessionsEndCommand] })
export class SessionsCommand extends CliCommand {
  async run(params: string[]): Promise<void> {
    this.usage(params);
  }
}
