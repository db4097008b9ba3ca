import { runService } from '@ucsc/shared';
import { intakeConfigSchema } from './config';
import { buildApp } from './app';

runService('intake', intakeConfigSchema, buildApp);
