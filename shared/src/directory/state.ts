import type { Envelope } from '../contracts/messages';
import type { TopicMessageType } from '../contracts/topics';
import type { Enterprise, Liaison, Organisation, Unit } from '../contracts/directory';
import type { DirectoryData } from './index';

export type DirectoryEvent = Envelope<TopicMessageType<'directoryEvents'>>;

/** The directory as the events have made it: one map per kind of entry, in the order first seen. */
export interface DirectoryState {
  units: Map<string, Unit>;
  organisations: Map<string, Organisation>;
  liaisons: Map<string, Liaison>;
  enterprises: Map<string, Enterprise>;
}

export function emptyDirectory(): DirectoryState {
  return { units: new Map(), organisations: new Map(), liaisons: new Map(), enterprises: new Map() };
}

/** Applies one directory event. Mutates, because a directory of 60,000 enterprises is rebuilt from events. */
export function applyDirectoryEvent(state: DirectoryState, event: DirectoryEvent): void {
  switch (event.type) {
    case 'directory.unit_put':
      state.units.set(event.payload.unit.code, event.payload.unit);
      return;
    case 'directory.organisation_put':
      state.organisations.set(event.payload.organisation.id, event.payload.organisation);
      return;
    case 'directory.organisation_removed':
      state.organisations.delete(event.payload.id);
      return;
    case 'directory.liaison_put':
      state.liaisons.set(event.payload.liaison.id, event.payload.liaison);
      return;
    case 'directory.liaison_removed':
      state.liaisons.delete(event.payload.id);
      return;
    case 'directory.enterprise_put':
      state.enterprises.set(event.payload.enterprise.id, event.payload.enterprise);
      return;
    case 'directory.enterprise_removed':
      state.enterprises.delete(event.payload.id);
      return;
  }
}

export function directoryData(state: DirectoryState): DirectoryData {
  return {
    units: [...state.units.values()],
    organisations: [...state.organisations.values()],
    liaisons: [...state.liaisons.values()],
    enterprises: [...state.enterprises.values()],
  };
}

