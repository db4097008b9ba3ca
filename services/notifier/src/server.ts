import { runService } from '@ucsc/shared';
import { notifierConfigSchema } from './config';
import { buildApp } from './app';

runService('notifier', notifierConfigSchema, buildApp);
