import { runService } from '@ucsc/shared';
import { boardConfigSchema } from './config';
import { buildApp } from './app';

runService('board', boardConfigSchema, buildApp);
