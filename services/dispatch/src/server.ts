import { runService } from '@ucsc/shared';
import { dispatchConfigSchema } from './config';
import { buildApp } from './app';

runService('dispatch', dispatchConfigSchema, buildApp);
