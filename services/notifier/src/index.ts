export { buildApp } from './app';
export { notifierConfigSchema, type NotifierConfig } from './config';
export { DeliveryLog, isPrivateHost, type WebhookEndpoint } from './deliveries';
export * from './domain/notifications';
export * from './domain/templates';
export { HeldEmail, defaultPreferences, type Preferences } from './held';
