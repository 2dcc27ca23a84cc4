// The TypeORM CLI's data source: `npm run migration:run` / `npm run migration:revert`.
// Same options as the app (src/ground/database/data-source-options.ts), read from the same environment, for
// migrations (no statement timeout); migration:run takes the same lock as the service's start-up.
import 'dotenv/config';
import { loadAppConfig } from './src/ground/config/app-config';
import { buildDataSourceOptions } from './src/ground/database/data-source-options';
import { LockedMigrationsDataSource } from './src/ground/database/migration-lock';

export default new LockedMigrationsDataSource(buildDataSourceOptions(loadAppConfig(process.env).database, { purpose: 'migrations' }));
