// The TypeORM CLI's data source: `npm run migration:run` / `npm run migration:revert`.
// Same options as the app (src/database/data-source-options.ts), read from the same environment.
import 'dotenv/config';
import { DataSource } from 'typeorm';
import { loadAppConfig } from './src/config/app-config';
import { buildDataSourceOptions } from './src/database/data-source-options';

export default new DataSource(buildDataSourceOptions(loadAppConfig(process.env).database));
