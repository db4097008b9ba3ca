import { lifecycleStateLabels, severityLabels, type IncidentView, type Language } from '../catalogue';
import { formatDate, type Words } from '../i18n';
import { isEscalated, isOverdue } from '../queue';
import { unitName } from '../directory';

/** A list of incidents, as every screen shows one: title, state, unit, TLP, priority, flags. */
export function Queue(props: { t: Words; lang: Language; incidents: IncidentView[] }) {
  const { t, lang } = props;
  if (props.incidents.length === 0) return <p class="placeholder" data-testid="empty-state">{t.empty}</p>;
  return (
    <ol class="queue" data-testid="incident-list">
      {props.incidents.map((i) => (
        <li class={`item${isOverdue(i) ? ' overdue' : ''}${isEscalated(i) ? ' escalated' : ''}`} data-testid="incident" data-incident-id={i.id}>
          <a href={`#/incident/${i.id}`} data-testid="incident-title">{i.title}</a>
          <span class="meta">
            <span data-testid="incident-state">{lifecycleStateLabels[lang][i.state]}</span> · {unitName(i.province.code)} · TLP:{i.tlp}
            {i.classification && <> · {i.classification.priority} {severityLabels[lang][i.classification.severity]}</>} · {formatDate(i.reportedAt, lang)}
            {isOverdue(i) && <strong class="flag"> {t.overdue}</strong>}
            {isEscalated(i) && <strong class="flag"> {t.escalated}</strong>}
          </span>
        </li>
      ))}
    </ol>
  );
}
