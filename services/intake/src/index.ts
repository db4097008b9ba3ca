export { buildApp } from './app';
export { intakeConfigSchema, type IntakeConfig } from './config';
export { SubmissionLedger } from './idempotency';
