import { useEffect, useState } from 'preact/hooks';
import {
  categoryLabels,
  directoryEntities,
  directoryEntityLabels,
  directoryFieldLabels,
  directoryValueLabels,
  entryId,
  type DirectoryEntity,
  type Entry,
  type Language,
} from '../catalogue';
import { dispatchRequest, said } from '../api';
import { categoryCodes, formFields, fromForm, problemOf, toForm, validateEntry, type FormField, type FormValues } from '../directory-form';
import { problemsByField } from '../report-form';
import type { Words } from '../i18n';

type Directory = { [E in DirectoryEntity]: Entry<E>[] };
const emptyDirectory: Directory = { units: [], organisations: [], liaisons: [], enterprises: [] };
const domId = (path: string) => `dir-${path.replace(/\./g, '-')}`;

/** The entries another entry may name in a field: provinces by code, ministry departments, liaisons. */
function referenceOptions(directory: Directory, entity: DirectoryEntity): { id: string; name: string }[] {
  if (entity === 'units') return directory.units.map((u) => ({ id: u.code, name: u.shortName }));
  if (entity === 'organisations') return directory.organisations.filter((o) => o.type === 'ministry_department').map((o) => ({ id: o.id, name: o.shortName }));
  if (entity === 'liaisons') return directory.liaisons.map((l) => ({ id: l.id, name: l.name }));
  return directory.enterprises.map((e) => ({ id: e.id, name: e.shortName }));
}

/**
 * One entry's form, field by field from the contract (shared/src/contracts/directory.ts), checked
 * with the kind's own schema before it is sent, and dispatch's 400 shown against the field it names.
 */
function EntryForm(props: { t: Words; lang: Language; entity: DirectoryEntity; entry?: Entry<DirectoryEntity>; directory: Directory; reason: string; onSaved: (id: string) => void; onCancel: () => void }) {
  const { t, lang, entity, directory } = props;
  const [values, setValues] = useState<FormValues>(() => toForm(entity, props.entry));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState('');
  const set = (path: string, value: FormValues[string]) => setValues({ ...values, [path]: value });
  const label = (field: FormField) => directoryFieldLabels[lang][field.label];
  const idPath = entity === 'units' ? 'code' : 'id';

  const save = async (e: Event) => {
    e.preventDefault();
    const entry = fromForm(entity, values);
    const found = validateEntry(entity, entry, lang);
    setErrors(found);
    if (Object.keys(found).length) {
      setResult(t.fixErrors);
      requestAnimationFrame(() => (document.querySelector('[data-testid="directory-entry-form"] [aria-invalid="true"]') as HTMLElement | null)?.focus());
      return;
    }
    const id = props.entry ? entryId(entity, props.entry) : entryId(entity, entry as Entry<typeof entity>);
    const query = new URLSearchParams(props.reason.trim() ? { reason: props.reason.trim() } : {});
    const answer = await dispatchRequest('PUT', `/api/v1/directory/${entity}/${encodeURIComponent(id)}?${query}`, entry);
    if (answer.status < 300) return props.onSaved(id);
    setErrors(problemsByField(answer.body?.problems ?? [], lang));
    setResult(said(t, answer));
  };

  const control = (field: FormField) => {
    const id = domId(field.path);
    const error = problemOf(errors, field.path);
    const value = values[field.path];
    const described = { 'aria-invalid': Boolean(error), 'aria-describedby': error ? `${id}-error` : undefined };
    const message = error && <span class="error" id={`${id}-error`} data-testid={`dir-error-${field.path}`}>{error}</span>;
    const ticks = (options: readonly { value: string; label: string }[], disabled = false) =>
      options.map((o) => (
        <label class="check">
          <input type="checkbox" checked={(value as string[]).includes(o.value)} disabled={disabled}
            onChange={(e) => set(field.path, e.currentTarget.checked ? [...(value as string[]), o.value] : (value as string[]).filter((x) => x !== o.value))} />
          {o.label}
        </label>
      ));
    switch (field.input) {
      case 'checkbox':
        return <label class="check"><input type="checkbox" id={id} checked={value === true} onChange={(e) => set(field.path, e.currentTarget.checked)} data-testid={`dir-field-${field.path}`} />{label(field)}</label>;
      case 'categories':
        return <fieldset data-testid={`dir-field-${field.path}`} {...described}><legend>{label(field)}</legend>{ticks(categoryCodes.map((c) => ({ value: c, label: categoryLabels[lang][c] })))}{message}</fieldset>;
      case 'coverage': {
        const nationwide = (value as string[]).includes('nationwide');
        return (
          <fieldset data-testid={`dir-field-${field.path}`} {...described}>
            <legend>{label(field)}</legend>
            {ticks([{ value: 'nationwide', label: directoryFieldLabels[lang].nationwide }])}
            <div class="checks">{ticks(directory.units.map((u) => ({ value: u.code, label: `${u.code} ${u.shortName}` })), nationwide)}</div>
            {message}
          </fieldset>
        );
      }
      case 'rows': {
        const rows = value as Record<string, string>[];
        const change = (i: number, key: string, text: string) => set(field.path, rows.map((row, j) => (j === i ? { ...row, [key]: text } : row)));
        return (
          <fieldset data-testid={`dir-field-${field.path}`} {...described}>
            <legend>{label(field)}</legend>
            {rows.map((row, i) => (
              <div class="row-fields">
                {field.fields.map((f) => (
                  <label>{directoryFieldLabels[lang][f.label]}<input value={row[f.key] ?? ''} aria-invalid={Boolean(errors[`${field.path}.${i}.${f.key}`])} onInput={(e) => change(i, f.key, e.currentTarget.value)} /></label>
                ))}
                <button type="button" class="secondary" onClick={() => set(field.path, rows.filter((_, j) => j !== i))}>{t.removeRow}</button>
              </div>
            ))}
            <button type="button" class="secondary" onClick={() => set(field.path, [...rows, Object.fromEntries(field.fields.map((f) => [f.key, '']))])}>{t.addRow}</button>
            {message}
          </fieldset>
        );
      }
      default: {
        const attrs = { id, ...described, 'data-testid': `dir-field-${field.path}` };
        const input =
          field.input === 'select' || field.input === 'reference' ? (
            <select {...attrs} value={value as string} onChange={(e) => set(field.path, e.currentTarget.value)}>
              <option value="">{'nullable' in field && field.nullable ? t.none : t.choose}</option>
              {field.input === 'select'
                ? field.options.map((o) => <option value={o}>{directoryValueLabels[lang][o]}</option>)
                : referenceOptions(directory, field.entity).map((o) => <option value={o.id}>{o.id} · {o.name}</option>)}
            </select>
          ) : field.input === 'lines' ? (
            <textarea {...attrs} rows={3} value={value as string} onInput={(e) => set(field.path, e.currentTarget.value)} />
          ) : (
            <input {...attrs} type={field.input} value={value as string} readOnly={Boolean(props.entry) && field.path === idPath}
              inputMode={field.input === 'number' ? 'numeric' : undefined} onInput={(e) => set(field.path, e.currentTarget.value)} />
          );
        const group = field.path.includes('.') ? `${directoryFieldLabels[lang][field.path.startsWith('contact') ? 'contact' : 'focalPoint']}: ` : '';
        return <div class="field"><label for={id}>{group}{label(field)}</label>{input}{message}</div>;
      }
    }
  };

  return (
    <form class="report" onSubmit={save} noValidate data-testid="directory-entry-form" aria-label={props.entry ? entryId(entity, props.entry) : t.newEntry}>
      {formFields[entity].map(control)}
      <div class="buttons">
        <button type="submit" data-testid="directory-save">{t.save}</button>
        <button type="button" class="secondary" onClick={props.onCancel}>{t.cancel}</button>
      </div>
      <p role="status" data-testid="directory-form-result">{result}</p>
    </form>
  );
}

/**
 * The directory (dispatch's): one part's entries listed, each edited in its kind's form or a new
 * one added (PUT, the whole entry), or removed once confirmed (DELETE, refused while something
 * refers to it), with a reason for the directory's log.
 */
export function DirectoryEditor(props: { t: Words; lang: Language }) {
  const { t, lang } = props;
  const [entity, setEntity] = useState<DirectoryEntity>(directoryEntities[0]);
  const [directory, setDirectory] = useState<Directory>(emptyDirectory);
  // the entry being edited (its id), a new one (''), or none
  const [editing, setEditing] = useState<string>();
  const [removing, setRemoving] = useState<string>();
  const [reason, setReason] = useState('');
  const [result, setResult] = useState('');
  const load = () => dispatchRequest<Directory>('GET', '/api/v1/directory').then((a) => a.status === 200 && setDirectory(a.body));
  useEffect(() => void load(), []);
  useEffect(() => {
    setEditing(undefined);
    setRemoving(undefined);
  }, [entity]);
  const entries = directory[entity] as Entry<DirectoryEntity>[];
  const idOf = (entry: Entry<DirectoryEntity>) => entryId(entity, entry);
  const saved = async (id: string) => {
    setEditing(undefined);
    setResult(`${t.done}: ${id}`);
    await load();
  };
  const remove = async (id: string) => {
    const query = new URLSearchParams(reason.trim() ? { reason: reason.trim() } : {});
    const answer = await dispatchRequest('DELETE', `/api/v1/directory/${entity}/${encodeURIComponent(id)}?${query}`);
    setRemoving(undefined);
    setResult(said(t, answer));
    if (answer.status < 300) await load();
  };
  const form = (entry?: Entry<DirectoryEntity>) => (
    <EntryForm key={`${entity}/${entry ? idOf(entry) : ''}`} t={t} lang={lang} entity={entity} entry={entry} directory={directory} reason={reason}
      onSaved={(id) => void saved(id)} onCancel={() => setEditing(undefined)} />
  );
  return (
    <div data-testid="directory-editor">
      <label>{t.entity}
        <select value={entity} onChange={(e) => setEntity(e.currentTarget.value as DirectoryEntity)} data-testid="directory-entity">
          {directoryEntities.map((d) => <option value={d}>{directoryEntityLabels[lang][d]}</option>)}
        </select>
      </label>
      <label>{t.reason}<input value={reason} onInput={(e) => setReason(e.currentTarget.value)} /></label>
      <p role="status" data-testid="directory-result">{result}</p>
      <button type="button" data-testid="directory-new" onClick={() => { setEditing(''); setResult(''); }}>{t.newEntry}</button>
      {editing === '' && form()}
      <ul class="entries">
        {entries.map((entry) => (
          <li data-testid="directory-entry" data-id={idOf(entry)}>
            {idOf(entry)} · {entry.name}{' '}
            <button type="button" class="secondary" data-testid="directory-edit" aria-label={`${t.edit} ${entry.name}`} onClick={() => { setEditing(idOf(entry)); setResult(''); }}>{t.edit}</button>{' '}
            {entity !== 'units' && <button type="button" class="secondary" data-testid="directory-remove" aria-label={`${t.remove} ${entry.name}`} onClick={() => setRemoving(idOf(entry))}>{t.remove}</button>}
            {removing === idOf(entry) && (
              <span role="group" aria-label={t.confirmRemove} data-testid="directory-remove-confirm">
                {t.confirmRemove}{' '}
                <button type="button" class="danger" onClick={() => void remove(idOf(entry))} data-testid="directory-remove-yes">{t.confirm}</button>{' '}
                <button type="button" class="secondary" onClick={() => setRemoving(undefined)}>{t.cancel}</button>
              </span>
            )}
            {editing === idOf(entry) && form(entry)}
          </li>
        ))}
      </ul>
    </div>
  );
}
