export { buildApp } from './app';
export { notifierConfigSchema, type NotifierConfig } from './config';
export { DeliveryLog, isPrivateHost, type WebhookEndpoint } from './deliveries';
export * from './domain/notifications';
export * from './domain/templates';
export { HeldEmail, defaultPreferences, preferencesSchema, type Preferences } from './held';
export { InAppNotifications, addresseesOf, type InAppItem, type InAppPage } from './inapp';
export { RetryQueue, type Delivery, type DeliveryRef } from './retries';
