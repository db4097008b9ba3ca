import { lifecycleStateLabels, portalStatusLabels, severityLabels, type FeedListItem, type Language } from '../catalogue';
import { formatVietnamTime, timeLeft, type Words } from '../i18n';
import { unitName } from '../directory';

/** A list of incidents, as every screen shows one: title, state, unit, TLP, priority, the answer awaited and the next deadline with their time left, flags. */
/** `portal`: the status in the portal's words (Tiếp nhận, Đang xử lý, Kết thúc), as a submitter is told it. */
export function Queue(props: { t: Words; lang: Language; incidents: FeedListItem[]; now?: number; portal?: boolean; action?: (item: FeedListItem) => preact.JSX.Element | null }) {
  const { t, lang } = props;
  const now = props.now ?? Date.now();
  if (props.incidents.length === 0) return <p class="placeholder" data-testid="empty-state">{t.empty}</p>;
  return (
    <ol class="queue" data-testid="incident-list">
      {props.incidents.map((i) => (
        <li class={`item${i.overdue ? ' overdue' : ''}${i.escalated ? ' escalated' : ''}`} data-testid="incident" data-incident-id={i.id} data-overdue={Boolean(i.overdue)} data-escalated={Boolean(i.escalated)}>
          <a href={`#/incident/${i.id}`} data-testid="incident-title">{i.title}</a>
          <span class="meta">
            <span data-testid="incident-state">{props.portal ? portalStatusLabels[lang][i.portalStatus] : lifecycleStateLabels[lang][i.state]}</span> · {unitName(i.province.code)} · TLP:{i.tlp}
            {i.priority && <> · {i.priority} {severityLabels[lang][i.severity as 'severe']}</>} · {formatVietnamTime(i.reportedAt, lang)}
            {i.answerBy && <> · <span data-testid="incident-answer-by">{t.answerBy} {formatVietnamTime(i.answerBy, lang)} ({timeLeft(i.answerBy, now, lang)})</span></>}
            {i.dueAt && i.dueAt !== i.answerBy && <> · <span data-testid="incident-due">{t.nextDeadline} {formatVietnamTime(i.dueAt, lang)} ({timeLeft(i.dueAt, now, lang)})</span></>}
            {i.overdue && <strong class="flag" data-testid="flag-overdue"> {t.overdue}</strong>}
            {i.escalated && <strong class="flag" data-testid="flag-escalated"> {t.escalated}{i.rung ? ` (${t.rung} ${i.rung})` : ''}</strong>}
          </span>
          {props.action?.(i)}
        </li>
      ))}
    </ol>
  );
}

/** The server's count of a list and what the page holds of it, with the next page on demand. */
export function ListFooter(props: { t: Words; shown: number; total: number | undefined; more: boolean; loadMore: () => void }) {
  if (!props.more) return null;
  return (
    <p class="row">
      <span data-testid="list-shown">{props.shown} / {props.total ?? '…'}</span>
      <button type="button" onClick={props.loadMore} data-testid="load-more">{props.t.loadMore}</button>
    </p>
  );
}
