import { describeInputFuzz } from './support/input-fuzz-suite';

// Issue 8 part 1 as a property, on SQLite (the suite and its budget, FUZZ_RUNS: support/input-fuzz-suite.ts).
describeInputFuzz('sqlite');
