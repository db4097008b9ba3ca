import { runService } from '@ucsc/shared';
import { trackerConfigSchema } from './config';
import { buildApp } from './app';

runService('tracker', trackerConfigSchema, buildApp);
