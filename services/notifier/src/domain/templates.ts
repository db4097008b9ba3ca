import { incidentPageHash, notificationKindLabels, vietnamTimeZone, type Language } from '@ucsc/shared';
import type { IncidentFacts, Notice } from './notifications';

export type { Language };

const subjects = notificationKindLabels;

const labels = {
  vi: { incident: 'Sự cố', deadline: 'Hạn', act: 'Xem và xử lý', red: 'Sự cố mang nhãn TLP:RED: nội dung chỉ xem được trên hệ thống.' },
  en: { incident: 'Incident', deadline: 'Due', act: 'Open and act', red: 'This incident is marked TLP:RED: its details are only shown in the system.' },
} as const;

export interface Rendered {
  subject: string;
  text: string;
}

/** Vietnam's time, as people there read it. */
function vietnamTime(iso: string): string {
  return new Date(iso).toLocaleString('vi-VN', { timeZone: vietnamTimeZone });
}

/**
 * One message for one or more notices: the incident, the deadline and the one link to act.
 * TLP:RED allows the link only (its title is a detail too); grouped notices are counted, most urgent first.
 */
export function renderEmail(items: { notice: Notice; facts: IncidentFacts }[], language: Language, boardUrl: string, maxListed = 20): Rendered {
  const l = labels[language];
  const ordered = [...items].sort((a, b) => Number(b.notice.urgent) - Number(a.notice.urgent) || (a.notice.dueAt ?? '~').localeCompare(b.notice.dueAt ?? '~'));
  const line = ({ notice, facts }: (typeof items)[number]) => {
    const link = `${boardUrl.replace(/\/$/, '')}/${incidentPageHash(facts.incidentId)}`;
    const head = facts.tlp === 'RED' ? `${subjects[language][notice.kind]}: ${l.red}` : `${subjects[language][notice.kind]}: ${l.incident} «${facts.title}»`;
    const due = notice.dueAt && facts.tlp !== 'RED' ? `\n${l.deadline}: ${vietnamTime(notice.dueAt)}` : '';
    return `${head}${due}\n${l.act}: ${link}`;
  };
  if (ordered.length === 1) {
    const { notice, facts } = ordered[0]!;
    const subject = facts.tlp === 'RED' ? `[TLP:RED] ${subjects[language][notice.kind]}` : `${subjects[language][notice.kind]}: ${facts.title}`;
    return { subject, text: line(ordered[0]!) };
  }
  const incidents = new Set(ordered.map((i) => i.facts.incidentId)).size;
  const subject = language === 'vi' ? `${incidents} sự cố mới (${ordered.length} thông báo)` : `${incidents} new incidents (${ordered.length} notices)`;
  const listed = ordered.slice(0, maxListed).map((item, i) => `${i + 1}. ${line(item)}`);
  const more = ordered.length - listed.length;
  const tail = more > 0 ? [language === 'vi' ? `… và ${more} thông báo khác: ${boardUrl.replace(/\/$/, '')}/` : `… and ${more} more: ${boardUrl.replace(/\/$/, '')}/`] : [];
  return { subject, text: [...listed, ...tail].join('\n\n') };
}
