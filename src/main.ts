// The service from its per-file build (`node dist/main.js`, `nest start`). `npm start` runs src/start.ts
// instead: the same bootstrap, from the one-file bundle with its code cache (scripts/bundle.js).
import { bootstrap } from './bootstrap';

void bootstrap();
