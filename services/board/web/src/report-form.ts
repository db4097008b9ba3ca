import type { Language } from './catalogue';

/** What the Biểu mẫu 03 form holds while it is being filled (and saved as a draft). */
export interface ReportDraft {
  title?: string;
  description?: string;
  detectedAt?: string;
  organisation?: string;
  phone?: string;
}

const messages = {
  vi: { required: 'Vui lòng nhập trường này', future: 'Thời điểm phát hiện không được ở tương lai', phone: 'Số điện thoại không hợp lệ (9–11 chữ số)', long: 'Tiêu đề tối đa 300 ký tự' },
  en: { required: 'Please fill in this field', future: 'The detection time cannot be in the future', phone: 'Not a valid phone number (9–11 digits)', long: 'The title is at most 300 characters' },
};

/** The form's checks before it is sent, in the page's language: field → message. */
export function validateReport(draft: ReportDraft, lang: Language, now = Date.now()): Record<string, string> {
  const m = messages[lang];
  const errors: Record<string, string> = {};
  for (const key of ['title', 'description', 'detectedAt', 'organisation', 'phone'] as const) if (!draft[key]?.trim()) errors[key] = m.required;
  if (draft.title && draft.title.length > 300) errors.title = m.long;
  if (draft.detectedAt && Date.parse(draft.detectedAt) > now) errors.detectedAt = m.future;
  if (draft.phone?.trim() && !/^\+?\d{9,11}$/.test(draft.phone.replace(/[\s.-]/g, ''))) errors.phone = m.phone;
  return errors;
}
