/*
 * UCSC — bảng theo dõi sự cố trực tuyến.
 * Plain browser JavaScript, no build step. All data is inserted with textContent / attributes,
 * never as HTML.
 *
 * Everything but the page itself needs a signed-in session (an HttpOnly cookie): the page asks
 * `/api/v1/auth/me` who is signed in and shows either the sign-in card or the board. Every write
 * echoes the session's CSRF token in `X-CSRF-Token`; the live feed is opened only once signed in.
 */
'use strict';

(function () {
  // ---------------------------------------------------------------------------------------------
  // Labels
  // ---------------------------------------------------------------------------------------------

  const STATE_LABELS = {
    reported: 'Đã tiếp nhận',
    routed: 'Đã phân công',
    acknowledged: 'Đã xác nhận',
    report_received: 'Đã có báo cáo kết thúc ứng phó',
  };

  const PORTAL_LABELS = {
    cho: 'Chờ',
    dang_xu_ly: 'Đang xử lý',
    ket_thuc: 'Kết thúc',
  };

  const TLP_CLASSES = {
    CLEAR: 'tlp-clear',
    GREEN: 'tlp-green',
    AMBER: 'tlp-amber',
    'AMBER+STRICT': 'tlp-amber-strict',
    RED: 'tlp-red',
  };

  const ROLE_LABELS = {
    hub: 'Đầu mối tỉnh',
    leader: 'Lãnh đạo',
    officer: 'Cán bộ',
    responder: 'Ứng cứu',
    coordinator: 'Điều phối',
    standing_body: 'Cơ quan thường trực',
  };

  /** The signed-in user's roles (not an assignee's role in a roster, see ROLE_LABELS). */
  const USER_ROLE_LABELS = {
    submitter: 'Đơn vị báo cáo',
    province_coordinator: 'Điều phối tỉnh',
    liaison_officer: 'Cán bộ đầu mối',
    liaison_leader: 'Lãnh đạo đầu mối',
    national_coordinator: 'Điều phối quốc gia',
    enterprise_responder: 'Doanh nghiệp ứng cứu',
    auditor: 'Kiểm toán',
    admin: 'Quản trị',
  };

  /** Roles that see every incident in the country. */
  const NATIONWIDE_ROLES = ['national_coordinator', 'auditor'];

  const ASSIGNEE_GROUPS = [
    { label: 'Sở/đầu mối tỉnh', kinds: ['province_hub'] },
    { label: 'Cán bộ đầu mối Bộ', kinds: ['liaison'] },
    { label: 'Doanh nghiệp', kinds: ['enterprise'] },
    { label: 'Cơ quan điều phối', kinds: ['national_coordinator', 'standing_body'] },
  ];
  const GROUPED_KINDS = new Set(ASSIGNEE_GROUPS.flatMap((g) => g.kinds));

  const EVENT_LABELS = {
    'incident.reported': 'Tiếp nhận',
    'incident.assigned': 'Phân công',
    'incident.acknowledged': 'Xác nhận',
    'incident.classified': 'Phân loại',
    'incident.assignment_offered': 'Đề nghị doanh nghiệp',
    'incident.assignment_accepted': 'Doanh nghiệp nhận',
    'incident.assignment_declined': 'Doanh nghiệp từ chối',
    'incident.assignment_timed_out': 'Quá hạn trả lời',
    'incident.routing_no_fit': 'Không tìm được doanh nghiệp',
    'incident.routing_overridden': 'Điều phối viên thay đổi phân công',
    'incident.follow_up_reported': 'Báo cáo bổ sung',
    'incident.attachment_added': 'Đính kèm',
  };

  /** An enterprise is offered an incident and answers; its status, as the board shows it. */
  const OFFER_LABELS = {
    offered: 'Chờ doanh nghiệp trả lời',
    accepted: 'Đã nhận xử lý',
    declined: 'Đã từ chối',
    timed_out: 'Quá hạn, đã chuyển tiếp',
    removed: 'Đã bị điều phối viên gỡ',
  };
  /** assignees who no longer hold the incident: not counted among those who must acknowledge */
  const ENDED_STATUSES = new Set(['declined', 'timed_out', 'removed']);

  const SEVERITY_LABELS = { severe: 'Nghiêm trọng', normal: 'Thông thường' };

  const ERROR_LABELS = {
    validation_failed: 'Dữ liệu không hợp lệ',
    not_found: 'Không tìm thấy sự cố',
    already_acknowledged: 'Đã được xác nhận trước đó',
    no_open_offer: 'Lời đề nghị đã được trả lời hoặc đã hết hạn',
    storage_unavailable: 'Hệ thống tạm thời không lưu được yêu cầu, vui lòng thử lại',
    unauthorized: 'Chưa đăng nhập',
    unauthenticated: 'Chưa đăng nhập hoặc phiên đăng nhập đã hết hạn',
    forbidden: 'Không có quyền thực hiện',
    csrf_failed: 'Phiên làm việc không hợp lệ, vui lòng tải lại trang',
    rate_limited: 'Quá nhiều yêu cầu, thử lại sau',
  };

  const LOGIN_TEXT = {
    missing: 'Vui lòng nhập tên đăng nhập và mật khẩu.',
    totpFormat: 'Mã xác thực gồm 6 chữ số.',
    invalid: 'Sai tên đăng nhập, mật khẩu hoặc mã xác thực.',
    totpRequired: 'Tài khoản này cần mã xác thực hai lớp.',
    locked: (minutes) =>
      minutes
        ? `Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau ${minutes} phút.`
        : 'Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau.',
    rateLimited: 'Quá nhiều yêu cầu, thử lại sau.',
    badRequest: 'Thông tin đăng nhập không hợp lệ.',
    network: 'Không kết nối được tới máy chủ. Vui lòng thử lại.',
    failed: (status) => `Không đăng nhập được (lỗi ${status}). Vui lòng thử lại.`,
    noProfile: 'Đã đăng nhập nhưng không tải được thông tin tài khoản. Vui lòng thử lại.',
    sessionEnded: 'Phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại.',
    checkFailed: 'Không kiểm tra được phiên đăng nhập: không kết nối được tới máy chủ.',
    busy: 'Đang đăng nhập…',
    submit: 'Đăng nhập',
  };

  const TITLE_BASE = 'Bảng theo dõi sự cố an toàn thông tin mạng';
  const TITLE_NATIONWIDE = 'toàn quốc';
  const TITLE_SCOPED = 'Sự cố trong phạm vi của bạn';
  const CSRF_COOKIE = 'ucsc_csrf';

  const CONN_TEXT = {
    connecting: 'Đang kết nối…',
    online: 'Trực tuyến',
    offline: 'Mất kết nối — đang kết nối lại…',
  };

  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const TOAST_MS = 8000;
  const ACK_SENT_TIMEOUT_MS = 15000;
  const SESSION_CHECK_MIN_MS = 2000;
  const SESSION_CHECK_MAX_MS = 30000;
  /** WebSocket close code the server uses when the session behind a feed has ended. */
  const CLOSE_SESSION_ENDED = 4401;
  const BASE_TITLE = 'Bảng theo dõi sự cố — UCSC';

  // ---------------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------------

  /** Creates an element; text (if given) goes through textContent only. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function str(value) {
    return value === undefined || value === null ? '' : String(value);
  }

  function stateLabel(state) {
    return Object.prototype.hasOwnProperty.call(STATE_LABELS, state) ? STATE_LABELS[state] : str(state);
  }

  function portalLabel(status) {
    return Object.prototype.hasOwnProperty.call(PORTAL_LABELS, status) ? PORTAL_LABELS[status] : str(status);
  }

  function roleLabel(role) {
    return Object.prototype.hasOwnProperty.call(ROLE_LABELS, role) ? ROLE_LABELS[role] : str(role);
  }

  /** A CSS-class-safe token for a data value (the raw value itself stays in data-* attributes). */
  function token(value) {
    return str(value).toLowerCase().replace(/[^a-z0-9_-]+/g, '-') || 'unknown';
  }

  /** Lower-case, without Vietnamese diacritics, so "ha noi" finds "Hà Nội". */
  function fold(value) {
    return str(value)
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd')
      .toLowerCase();
  }

  const timeParts = new Intl.DateTimeFormat('vi-VN', {
    timeZone: 'Asia/Ho_Chi_Minh',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });

  /** "dd/mm/yyyy hh:mm" (or with seconds) in Vietnam time; the raw value if it is not a date. */
  function formatTime(iso, withSeconds) {
    if (!iso) return '—';
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return str(iso);
    const p = {};
    for (const part of timeParts.formatToParts(date)) p[part.type] = part.value;
    const clock = withSeconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
    return `${p.day}/${p.month}/${p.year} ${clock}`;
  }

  function timeElement(iso, testid, withSeconds) {
    const node = el('time', 'ts', formatTime(iso, withSeconds));
    if (iso) {
      node.dateTime = str(iso);
      node.title = formatTime(iso, true) + ' (giờ Việt Nam)';
    }
    if (testid) node.dataset.testid = testid;
    return node;
  }

  function versionOf(incident) {
    const v = Number(incident && incident.version);
    return Number.isFinite(v) ? v : -Infinity;
  }

  function isIncident(value) {
    return !!value && typeof value === 'object' && typeof value.id === 'string' && value.id.length > 0;
  }

  function assigneeList(incident) {
    return Array.isArray(incident.assignees) ? incident.assignees.filter((a) => a && typeof a === 'object') : [];
  }

  function holdingAssignees(incident) {
    return assigneeList(incident).filter((a) => !ENDED_STATUSES.has(a.status));
  }

  function ackCounts(incident) {
    const list = holdingAssignees(incident);
    let acknowledged = 0;
    for (const a of list) if (a.acknowledgedAt) acknowledged += 1;
    return { total: list.length, acknowledged };
  }

  function provinceOf(incident) {
    const p = incident.province && typeof incident.province === 'object' ? incident.province : {};
    return { code: str(p.code), name: str(p.name || p.code), filedAs: str(p.filedAs), formerCode: str(p.formerCode) };
  }

  function orgName(incident) {
    return str(incident.reportingOrganisation && incident.reportingOrganisation.name);
  }

  function tlpBadge(tlp, testid) {
    const value = str(tlp);
    const node = el('span', 'tlp ' + (TLP_CLASSES[value] || 'tlp-unknown'), value ? 'TLP:' + value : '—');
    node.dataset.tlp = value;
    if (testid) node.dataset.testid = testid;
    return node;
  }

  function stateBadge(state, testid) {
    const node = el('span', 'badge state state-' + token(state), stateLabel(state));
    if (testid) node.dataset.testid = testid;
    return node;
  }

  function portalBadge(status, testid) {
    const node = el('span', 'portal portal-' + token(status), portalLabel(status));
    if (testid) node.dataset.testid = testid;
    return node;
  }

  /**
   * (Re)starts the highlight animation of an element without forcing a synchronous layout:
   * two classes with identical animations under different names, alternated.
   */
  function flash(node) {
    const next = node.classList.contains('flash') ? 'flash-alt' : 'flash';
    node.classList.remove('flash', 'flash-alt');
    node.classList.add(next);
  }

  // ---------------------------------------------------------------------------------------------
  // DOM references and state
  // ---------------------------------------------------------------------------------------------

  const dom = {
    list: document.getElementById('incident-list'),
    loading: document.getElementById('loading'),
    empty: document.getElementById('empty'),
    noMatch: document.getElementById('no-match'),
    summary: document.getElementById('filter-summary'),
    province: document.getElementById('filter-province'),
    tlp: document.getElementById('filter-tlp'),
    search: document.getElementById('filter-search'),
    conn: document.getElementById('conn'),
    connText: document.getElementById('conn-text'),
    counts: {
      total: document.querySelector('[data-testid="count-total"]'),
      cho: document.querySelector('[data-testid="count-cho"]'),
      dang_xu_ly: document.querySelector('[data-testid="count-dang_xu_ly"]'),
      ket_thuc: document.querySelector('[data-testid="count-ket_thuc"]'),
    },
    detail: document.getElementById('detail'),
    detailTitle: document.getElementById('detail-title'),
    detailBody: document.getElementById('detail-body'),
    detailClose: document.getElementById('detail-close'),
    toasts: document.getElementById('toast-area'),
    title: document.getElementById('board-title'),
    counters: document.getElementById('counters'),
    filters: document.getElementById('filters'),
    content: document.getElementById('board-content'),
    session: document.getElementById('session'),
    currentUser: document.getElementById('current-user'),
    logout: document.getElementById('logout'),
    loginScreen: document.getElementById('login-screen'),
    loginForm: document.getElementById('login-form'),
    loginUsername: document.getElementById('login-username'),
    loginPassword: document.getElementById('login-password'),
    loginTotpField: document.getElementById('login-totp-field'),
    loginTotp: document.getElementById('login-totp'),
    loginError: document.getElementById('login-error'),
    loginSubmit: document.getElementById('login-submit'),
  };

  /** id -> IncidentView */
  const incidents = new Map();
  /** id -> <tr> */
  const rows = new Map();
  /** id -> folded search text (title + organisation) */
  const searchKeys = new Map();
  /** province code -> last known name (so a selected province keeps its label) */
  const provinceNames = new Map();

  const filters = { province: '', tlp: '', terms: [] };

  let loaded = false;
  let selectedId = null;
  let provinceOptionsKey = '';

  /** `${incidentId}\u0001${assigneeId}` -> 'sending' | 'sent' */
  const pendingAcks = new Map();

  /**
   * Who is signed in. state: 'checking' (page just loaded) | 'signed_out' | 'signed_in'.
   * actor: the server's view of the user (roles, provinceCodes, assigneeIds); csrf: the token every
   * write must echo.
   */
  let auth = { state: 'checking', actor: null, user: null, csrf: '' };
  /** Bumped on every sign-in and sign-out, so that answers to an earlier session are ignored. */
  let authEpoch = 0;

  // ---------------------------------------------------------------------------------------------
  // Rows
  // ---------------------------------------------------------------------------------------------

  function buildRow(incident) {
    const tr = el('tr', 'incident');
    tr.dataset.testid = 'incident';
    tr.dataset.incidentId = incident.id;
    tr.dataset.state = str(incident.state);
    tr.dataset.tlp = str(incident.tlp);
    tr.dataset.portalStatus = str(incident.portalStatus);
    tr.tabIndex = 0;
    if (incident.id === selectedId) tr.classList.add('selected');

    const state = el('td', 'col-state');
    state.append(stateBadge(incident.state, 'incident-state'));

    const tlp = el('td', 'col-tlp');
    tlp.append(tlpBadge(incident.tlp, 'incident-tlp'));

    const title = el('td', 'col-title');
    const titleText = el('div', 'title', incident.title);
    titleText.dataset.testid = 'incident-title';
    titleText.title = str(incident.title);
    title.append(titleText);

    const org = el('td', 'col-org');
    const orgText = el('span', 'org', orgName(incident));
    orgText.dataset.testid = 'incident-organisation';
    org.append(orgText);

    const p = provinceOf(incident);
    const province = el('td', 'col-province');
    const provinceText = el('span', 'province-name', p.name);
    provinceText.dataset.testid = 'incident-province';
    provinceText.dataset.provinceCode = p.code;
    province.append(provinceText);
    if (p.filedAs && p.filedAs !== p.name) {
      const filed = el('span', 'filed-as', `(nộp theo: ${p.filedAs})`);
      filed.dataset.testid = 'incident-filed-as';
      province.append(' ', filed);
    }

    const portal = el('td', 'col-portal');
    portal.append(portalBadge(incident.portalStatus, 'incident-portal-status'));

    const detected = el('td', 'col-time');
    detected.append(timeElement(incident.detectedAt, 'incident-detected'));

    const updated = el('td', 'col-time');
    updated.append(timeElement(incident.updatedAt, 'incident-updated'));

    const counts = ackCounts(incident);
    const assignees = el('td', 'col-assignees');
    const ack = el('span', 'ack-count');
    ack.dataset.testid = 'incident-assignees';
    ack.dataset.total = String(counts.total);
    ack.dataset.acknowledged = String(counts.acknowledged);
    if (counts.total === 0) {
      ack.classList.add('ack-none');
      ack.textContent = 'Chưa phân công';
    } else {
      if (counts.acknowledged === counts.total) ack.classList.add('ack-all');
      else if (counts.acknowledged === 0) ack.classList.add('ack-zero');
      ack.append(el('strong', null, `${counts.acknowledged}/${counts.total}`), ' đã xác nhận');
      ack.title = `${counts.total} đơn vị/cán bộ được phân công, ${counts.acknowledged} đã xác nhận`;
    }
    assignees.append(ack);
    if (incident.needsCoordinator) {
      const flag = el('span', 'needs-coordinator', '⚠ Cần điều phối');
      flag.dataset.testid = 'incident-needs-coordinator';
      flag.title = 'Không tìm được doanh nghiệp phù hợp: cơ quan điều phối cần xử lý';
      assignees.append(' ', flag);
    }

    tr.append(state, tlp, title, org, province, portal, detected, updated, assignees);
    return tr;
  }

  function remember(incident) {
    incidents.set(incident.id, incident);
    searchKeys.set(incident.id, fold(str(incident.title) + ' ' + orgName(incident)));
    const p = provinceOf(incident);
    if (p.code) provinceNames.set(p.code, p.name);
  }

  // ---------------------------------------------------------------------------------------------
  // Filtering, counters, empty states
  // ---------------------------------------------------------------------------------------------

  function matches(incident) {
    if (filters.province && provinceOf(incident).code !== filters.province) return false;
    if (filters.tlp && str(incident.tlp) !== filters.tlp) return false;
    if (filters.terms.length > 0) {
      const key = searchKeys.get(incident.id) || '';
      for (const term of filters.terms) if (!key.includes(term)) return false;
    }
    return true;
  }

  function filtersActive() {
    return !!(filters.province || filters.tlp || filters.terms.length > 0);
  }

  let visibleCount = 0;

  function applyFilterToRow(row, incident) {
    const show = matches(incident);
    row.hidden = !show;
    return show;
  }

  function applyFiltersToAll() {
    visibleCount = 0;
    for (const [id, row] of rows) {
      if (applyFilterToRow(row, incidents.get(id))) visibleCount += 1;
    }
    updateListStatus();
  }

  function updateListStatus() {
    const total = incidents.size;
    dom.loading.hidden = loaded;
    dom.empty.hidden = !loaded || total > 0;
    dom.noMatch.hidden = !loaded || total === 0 || visibleCount > 0;
    if (!loaded) dom.summary.textContent = '';
    else if (filtersActive()) dom.summary.textContent = `Hiển thị ${visibleCount}/${total} sự cố`;
    else dom.summary.textContent = `${total} sự cố`;
  }

  function updateCounters() {
    const counts = { total: 0, cho: 0, dang_xu_ly: 0, ket_thuc: 0 };
    for (const incident of incidents.values()) {
      counts.total += 1;
      const status = incident.portalStatus;
      if (status === 'cho' || status === 'dang_xu_ly' || status === 'ket_thuc') counts[status] += 1;
    }
    for (const key of Object.keys(counts)) {
      const node = dom.counts[key];
      if (node && node.textContent !== String(counts[key])) node.textContent = String(counts[key]);
    }
    document.title = counts.cho > 0 ? `(${counts.cho} chờ) ${BASE_TITLE}` : BASE_TITLE;
  }

  function updateProvinceOptions() {
    const present = new Map();
    for (const incident of incidents.values()) {
      const p = provinceOf(incident);
      if (p.code && !present.has(p.code)) present.set(p.code, p.name);
    }
    if (filters.province && !present.has(filters.province)) {
      present.set(filters.province, provinceNames.get(filters.province) || filters.province);
    }
    const entries = [...present].sort((a, b) => a[1].localeCompare(b[1], 'vi') || a[0].localeCompare(b[0]));
    const key = entries.map((e) => e[0] + '\u0001' + e[1]).join('\u0002');
    if (key === provinceOptionsKey) return;
    provinceOptionsKey = key;
    const options = [el('option', null, 'Tất cả tỉnh/thành')];
    options[0].value = '';
    for (const [code, name] of entries) {
      const option = el('option', null, name);
      option.value = code;
      options.push(option);
    }
    dom.province.replaceChildren(...options);
    dom.province.value = filters.province;
  }

  function refreshAggregates() {
    updateCounters();
    updateProvinceOptions();
    updateListStatus();
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshot and changes
  // ---------------------------------------------------------------------------------------------

  /** Replaces the whole list (newest first, as the server sends it). */
  function applySnapshot(list) {
    const ordered = new Map();
    for (const incident of list) {
      if (!isIncident(incident)) continue;
      const seen = ordered.get(incident.id);
      if (!seen || versionOf(incident) > versionOf(seen)) ordered.set(incident.id, incident);
    }
    incidents.clear();
    rows.clear();
    searchKeys.clear();
    const fragment = document.createDocumentFragment();
    visibleCount = 0;
    for (const incident of ordered.values()) {
      remember(incident);
      const row = buildRow(incident);
      rows.set(incident.id, row);
      if (applyFilterToRow(row, incident)) visibleCount += 1;
      fragment.append(row);
    }
    const focusedId = focusedRowId();
    dom.list.replaceChildren(fragment);
    if (focusedId && rows.has(focusedId)) rows.get(focusedId).focus({ preventScroll: true });
    loaded = true;
    refreshAggregates();
    if (selectedId && incidents.has(selectedId)) renderDetail(false);
  }

  function focusedRowId() {
    const active = document.activeElement;
    const row = active && active.closest ? active.closest('tr[data-incident-id]') : null;
    return row && dom.list.contains(row) ? row.dataset.incidentId : null;
  }

  /**
   * Upserts one incident, moves it to the top and highlights it.
   * `strict`: also ignore a change of the same version (used to replay changes already in a snapshot).
   */
  function applyChange(change, strict) {
    const incident = change && typeof change === 'object' ? change.incident : null;
    if (!isIncident(incident)) return;
    const previous = incidents.get(incident.id);
    if (previous) {
      const older = strict ? versionOf(incident) <= versionOf(previous) : versionOf(incident) < versionOf(previous);
      if (older) return; // a late, older view: keep the newer one
    }
    remember(incident);

    const oldRow = rows.get(incident.id);
    const hadFocus = !!oldRow && oldRow.contains(document.activeElement);
    const row = buildRow(incident);
    rows.set(incident.id, row);
    const wasVisible = !!oldRow && !oldRow.hidden;
    if (oldRow) oldRow.remove();
    const isVisible = applyFilterToRow(row, incident);
    visibleCount += (isVisible ? 1 : 0) - (wasVisible ? 1 : 0);
    dom.list.prepend(row);
    if (hadFocus) row.focus({ preventScroll: true });
    flash(row);

    loaded = true;
    refreshAggregates();

    if (incident.id === selectedId) {
      clearSettledAcks(incident);
      renderDetail(false);
      flash(dom.detail);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Detail drawer
  // ---------------------------------------------------------------------------------------------

  function ackKey(incidentId, assigneeId) {
    return incidentId + '\u0001' + assigneeId;
  }

  function clearSettledAcks(incident) {
    for (const a of assigneeList(incident)) {
      if (a.acknowledgedAt) pendingAcks.delete(ackKey(incident.id, str(a.id)));
    }
  }

  function openDetail(id, fromKeyboard) {
    if (!incidents.has(id)) return;
    if (selectedId && rows.has(selectedId)) {
      rows.get(selectedId).classList.remove('selected');
      rows.get(selectedId).removeAttribute('aria-selected');
    }
    selectedId = id;
    const row = rows.get(id);
    if (row) {
      row.classList.add('selected');
      row.setAttribute('aria-selected', 'true');
    }
    dom.detail.hidden = false;
    document.body.classList.add('drawer-open');
    renderDetail(true);
    if (fromKeyboard) dom.detailClose.focus();
  }

  function closeDetail() {
    if (dom.detail.hidden) return;
    dom.detail.hidden = true;
    document.body.classList.remove('drawer-open');
    dom.detail.removeAttribute('data-incident-id');
    dom.detailBody.replaceChildren();
    dom.detailTitle.textContent = '';
    if (selectedId && rows.has(selectedId)) {
      const row = rows.get(selectedId);
      row.classList.remove('selected');
      row.removeAttribute('aria-selected');
    }
    const returnTo = selectedId ? rows.get(selectedId) : null;
    selectedId = null;
    if (dom.detail.contains(document.activeElement) || document.activeElement === document.body) {
      if (returnTo && !returnTo.hidden) returnTo.focus({ preventScroll: true });
    }
  }

  function section(title, testid) {
    const node = el('section', 'detail-section');
    if (testid) node.dataset.testid = testid;
    node.append(el('h3', null, title));
    return node;
  }

  function metaRow(dl, label, value) {
    const wrap = el('div', 'meta-item');
    wrap.append(el('dt', null, label));
    const dd = el('dd');
    if (value instanceof Node) dd.append(value);
    else dd.textContent = str(value) || '—';
    wrap.append(dd);
    dl.append(wrap);
    return dd;
  }

  function renderAssignee(incident, assignee) {
    const li = el('li', 'assignee');
    li.dataset.testid = 'assignee';
    li.dataset.assigneeId = str(assignee.id);
    li.dataset.kind = str(assignee.kind);
    li.dataset.acknowledged = assignee.acknowledgedAt ? 'true' : 'false';
    if (assignee.acknowledgedAt) li.classList.add('is-acknowledged');

    const who = el('div', 'assignee-who');
    const nameLine = el('div', 'assignee-name');
    nameLine.append(el('span', 'name', assignee.name || assignee.id));
    if (assignee.role) {
      const role = el('span', 'role role-' + token(assignee.role), roleLabel(assignee.role));
      role.dataset.testid = 'assignee-role';
      nameLine.append(' ', role);
    }
    who.append(nameLine);
    if (assignee.organisationName && assignee.organisationName !== assignee.name) {
      who.append(el('div', 'assignee-org', assignee.organisationName));
    }

    const status = el('div', 'assignee-status');
    const offer = str(assignee.status);
    if (OFFER_LABELS[offer]) {
      const badge = el('span', 'offer-status offer-' + token(offer), OFFER_LABELS[offer]);
      badge.dataset.testid = 'assignee-offer-status';
      badge.dataset.status = offer;
      if (offer === 'declined' && assignee.declineReason) badge.title = 'Lý do: ' + str(assignee.declineReason);
      status.append(badge);
      if (offer === 'declined' && assignee.declineReason) status.append(el('div', 'muted', 'Lý do: ' + str(assignee.declineReason)));
      if (offer === 'offered' && assignee.offerExpiresAt) {
        const due = el('div', 'muted', 'Hạn trả lời: ');
        due.append(timeElement(assignee.offerExpiresAt, null, true));
        status.append(due);
      }
      if (offer === 'offered') {
        for (const [action, label] of [['accept', 'Nhận xử lý'], ['decline', 'Từ chối']]) {
          const button = el('button', 'btn btn-' + action, label);
          button.type = 'button';
          button.dataset.testid = action;
          button.dataset.action = action;
          button.dataset.assigneeId = str(assignee.id);
          status.append(' ', button);
        }
      }
      if (ENDED_STATUSES.has(offer) || offer === 'offered') {
        li.append(who, status);
        return li;
      }
    }
    if (assignee.acknowledgedAt) {
      const done = el('span', 'acked');
      done.dataset.testid = 'assignee-acknowledged';
      done.append('✓ Đã xác nhận ', timeElement(assignee.acknowledgedAt, null, true));
      status.append(done);
    } else if (!mayAcknowledge(str(assignee.id))) {
      const waiting = el('span', 'not-acked', 'Chưa xác nhận');
      waiting.dataset.testid = 'assignee-pending';
      status.append(waiting);
    } else {
      const key = ackKey(incident.id, str(assignee.id));
      const pending = pendingAcks.get(key);
      const button = el('button', 'btn btn-ack', 'Xác nhận tiếp nhận');
      button.type = 'button';
      button.dataset.testid = 'acknowledge';
      button.dataset.action = 'acknowledge';
      button.dataset.assigneeId = str(assignee.id);
      button.title = `Xác nhận tiếp nhận thay cho ${str(assignee.name || assignee.id)}`;
      if (pending) {
        button.disabled = true;
        button.textContent = pending === 'sending' ? 'Đang gửi…' : 'Đã gửi, chờ cập nhật…';
      }
      status.append(button);
    }
    li.append(who, status);
    return li;
  }

  function renderAssignees(incident) {
    const list = assigneeList(incident);
    const counts = ackCounts(incident);
    const node = section(`Đơn vị/cán bộ được phân công (${counts.acknowledged}/${counts.total} đã xác nhận)`, 'detail-assignees');
    if (list.length === 0) {
      node.append(el('p', 'muted', 'Chưa phân công cho đơn vị nào.'));
      return node;
    }
    const groups = ASSIGNEE_GROUPS.map((g) => ({ label: g.label, kinds: g.kinds, items: [] }));
    const others = new Map();
    for (const a of list) {
      const group = groups.find((g) => g.kinds.includes(a.kind));
      if (group) group.items.push(a);
      else {
        const kind = str(a.kind) || 'khác';
        if (!others.has(kind)) others.set(kind, []);
        others.get(kind).push(a);
      }
    }
    for (const [kind, items] of others) {
      if (!GROUPED_KINDS.has(kind)) groups.push({ label: `Khác (${kind})`, kinds: [kind], items });
    }
    for (const group of groups) {
      if (group.items.length === 0) continue;
      const wrap = el('div', 'assignee-group');
      wrap.dataset.testid = 'assignee-group';
      wrap.dataset.kind = group.kinds.join(' ');
      const acked = group.items.filter((a) => a.acknowledgedAt).length;
      const head = el('h4', null, group.label);
      head.append(' ', el('span', 'group-count', `${acked}/${group.items.length}`));
      wrap.append(head);
      const ul = el('ul', 'assignee-list');
      for (const a of group.items) ul.append(renderAssignee(incident, a));
      wrap.append(ul);
      node.append(wrap);
    }
    return node;
  }

  function renderTimeline(incident) {
    const node = section('Diễn biến', 'detail-timeline');
    const entries = (Array.isArray(incident.timeline) ? incident.timeline : [])
      .filter((e) => e && typeof e === 'object')
      .map((e, index) => ({ e, index, t: new Date(e.at).getTime() }))
      .sort((a, b) => {
        const ta = Number.isNaN(a.t) ? Infinity : a.t;
        const tb = Number.isNaN(b.t) ? Infinity : b.t;
        return ta - tb || a.index - b.index;
      });
    if (entries.length === 0) {
      node.append(el('p', 'muted', 'Chưa có diễn biến.'));
      return node;
    }
    const ol = el('ol', 'timeline');
    for (const { e } of entries) {
      const li = el('li', 'timeline-entry');
      li.dataset.testid = 'timeline-entry';
      li.dataset.type = str(e.type);
      const head = el('div', 'timeline-head');
      head.append(timeElement(e.at, 'timeline-time', true));
      const typeLabel = EVENT_LABELS[e.type] || str(e.type);
      if (typeLabel) head.append(' ', el('span', 'timeline-type', typeLabel));
      const actor = e.actor && typeof e.actor === 'object' ? e.actor : null;
      if (actor) {
        const actorName = actor.kind === 'system' && !actor.name ? 'Hệ thống' : str(actor.name || actor.id);
        if (actorName) head.append(' ', el('span', 'timeline-actor', '· ' + actorName));
      }
      const summary = el('div', 'timeline-summary', e.summary);
      summary.dataset.testid = 'timeline-summary';
      li.append(head, summary);
      if (Array.isArray(e.details) && e.details.length) {
        const details = el('ul', 'timeline-details');
        details.dataset.testid = 'timeline-details';
        for (const d of e.details) details.append(el('li', null, str(d)));
        li.append(details);
      }
      ol.append(li);
    }
    node.append(ol);
    return node;
  }

  // ---------------------------------------------------------------------------------------------
  // The report as filed (Biểu mẫu 03), follow-ups (Biểu mẫu 04 among them), evidence
  // ---------------------------------------------------------------------------------------------

  const DETECTION_LABELS = { monitoring: 'Hệ thống giám sát (IDS)', log_review: 'Kiểm tra nhật ký', notified: 'Được thông báo', other: 'Khác' };
  const NOTIFIED_LABELS = { network_members: 'Thành viên mạng lưới', isp: 'Nhà cung cấp dịch vụ', national_coordinator: 'Cơ quan điều phối quốc gia', other: 'Khác' };
  const SERVICE_LABELS = { web: 'Web', mail: 'Thư điện tử', database: 'Cơ sở dữ liệu', other: 'Khác' };
  const MEASURE_LABELS = { antivirus: 'Phòng chống mã độc', firewall: 'Tường lửa', ids: 'Phát hiện xâm nhập', other: 'Khác' };
  const FOLLOW_UP_LABELS = {
    situation_update: 'Báo cáo cập nhật tình hình',
    support_request: 'Đề nghị hỗ trợ',
    direction_request: 'Đề nghị chỉ đạo',
    final_report: 'Báo cáo kết thúc ứng phó (Biểu mẫu 04)',
  };
  const ATTACHMENT_KIND_LABELS = { log: 'Nhật ký', malware_sample: 'Mẫu mã độc', other: 'Tệp khác' };

  function labelled(table, values) {
    return (Array.isArray(values) ? values : []).map((v) => table[v] || str(v)).join(', ');
  }

  /** A contact: name, and the phone and email as links a coordinator can use at 2 a.m. */
  function contactNode(c) {
    const node = el('span', 'contact');
    if (!c || typeof c !== 'object') return node;
    node.append(str(c.name));
    if (c.position) node.append(el('span', 'muted', ` · ${str(c.position)}`));
    if (c.phone) {
      const tel = el('a', 'contact-phone', str(c.phone));
      tel.href = 'tel:' + str(c.phone).replace(/[^\d+]/g, '');
      node.append(' · ', tel);
    }
    if (c.email) {
      const mail = el('a', 'contact-email', str(c.email));
      mail.href = 'mailto:' + str(c.email);
      node.append(' · ', mail);
    }
    return node;
  }

  function renderReportForm(incident) {
    const r = incident.report && typeof incident.report === 'object' ? incident.report : null;
    if (!r) return null;
    const node = section('Báo cáo ban đầu (Biểu mẫu 03)', 'detail-report');
    const dl = el('dl', 'detail-meta');
    const org = r.reportingOrganisation || {};
    metaRow(dl, 'Đơn vị báo cáo', contactNode(org)).dataset.testid = 'report-organisation';
    if (org.address) metaRow(dl, 'Địa chỉ', org.address);
    metaRow(dl, 'Người liên hệ', contactNode(r.contactPerson)).dataset.testid = 'report-contact';
    const sys = r.affectedSystem || {};
    const system = [sys.name, sys.operator && `vận hành: ${sys.operator}`, sys.owner && `chủ quản: ${sys.owner}`].filter(Boolean).join(' · ');
    metaRow(dl, 'Hệ thống bị sự cố', system).dataset.testid = 'report-system';
    if (sys.protectionLevel) metaRow(dl, 'Cấp độ hệ thống', `Cấp ${sys.protectionLevel}`).dataset.testid = 'report-protection-level';
    if (sys.securityProvider || sys.connectivityProvider) metaRow(dl, 'Nhà cung cấp', [sys.securityProvider && `ATTT: ${sys.securityProvider}`, sys.connectivityProvider && `kết nối: ${sys.connectivityProvider}`].filter(Boolean).join(' · '));
    metaRow(dl, 'Tình trạng', r.alreadyHandled ? 'Đã xử lý' : 'Chưa xử lý');
    const d = r.detection || {};
    metaRow(dl, 'Cách phát hiện', [labelled(DETECTION_LABELS, d.methods), d.notifiedBy && `do ${d.notifiedBy}`, d.other].filter(Boolean).join(' · '));
    const n = r.alreadyNotified || {};
    metaRow(dl, 'Đã thông báo cho', [labelled(NOTIFIED_LABELS, n.parties) || 'Chưa thông báo cho ai', n.details].filter(Boolean).join(' · '));
    const t = r.technicalDetail && typeof r.technicalDetail === 'object' ? r.technicalDetail : {};
    if (t.operatingSystems && t.operatingSystems.length) metaRow(dl, 'Hệ điều hành', t.operatingSystems.join(', '));
    if (t.services && t.services.length) metaRow(dl, 'Dịch vụ', [labelled(SERVICE_LABELS, t.services), t.otherServices].filter(Boolean).join(' · '));
    if (t.securityMeasures && t.securityMeasures.length) metaRow(dl, 'Biện pháp ATTT', [labelled(MEASURE_LABELS, t.securityMeasures), t.otherSecurityMeasures].filter(Boolean).join(' · '));
    if (t.publicIpAddresses && t.publicIpAddresses.length) metaRow(dl, 'IP công khai', el('code', 'mono', t.publicIpAddresses.join(', '))).dataset.testid = 'report-ips';
    if (t.domainNames && t.domainNames.length) metaRow(dl, 'Tên miền', el('code', 'mono', t.domainNames.join(', '))).dataset.testid = 'report-domains';
    if (t.purpose) metaRow(dl, 'Mục đích hệ thống', t.purpose);
    if (r.supportRequested) metaRow(dl, 'Đề nghị hỗ trợ', r.supportRequested).dataset.testid = 'report-support';
    if (r.confidentialityRequested) metaRow(dl, 'Bảo mật', 'Đơn vị đề nghị giữ bí mật thông tin').dataset.testid = 'report-confidential';
    metaRow(dl, 'Thời gian báo cáo', timeElement(r.reportTime, 'report-time', true));
    node.append(dl);
    return node;
  }

  /** The text a follow-up carries, whatever its kind. */
  function followUpText(report) {
    const parts = {
      situation_update: [report.situation, report.actionsTaken && `Đã làm: ${report.actionsTaken}`, report.nextSteps && `Tiếp theo: ${report.nextSteps}`],
      support_request: [report.urgency === 'urgent' ? 'KHẨN' : '', report.supportNeeded],
      direction_request: [report.question, Array.isArray(report.options) && report.options.length ? `Phương án: ${report.options.join('; ')}` : ''],
      final_report: [report.whatHappened, report.whatWasDone && `Đã làm: ${report.whatWasDone}`, report.damage && `Thiệt hại: ${report.damage}`, report.recommendations && `Kiến nghị: ${report.recommendations}`],
    }[report.kind];
    return (parts || []).filter(Boolean).join('\n');
  }

  function renderFollowUps(incident) {
    const list = (Array.isArray(incident.followUps) ? incident.followUps : []).filter((f) => f && f.report);
    if (list.length === 0) return null;
    const node = section('Báo cáo bổ sung', 'detail-follow-ups');
    const ol = el('ol', 'follow-ups');
    for (const f of list) {
      const li = el('li', 'follow-up');
      li.dataset.testid = 'follow-up';
      li.dataset.kind = str(f.report.kind);
      const head = el('div', 'timeline-head');
      head.append(timeElement(f.receivedAt, null, true), ' ', el('span', 'timeline-type', FOLLOW_UP_LABELS[f.report.kind] || str(f.report.kind)));
      li.append(head, el('p', 'description', followUpText(f.report)));
      ol.append(li);
    }
    node.append(ol);
    return node;
  }

  function formatSize(bytes) {
    const n = Number(bytes) || 0;
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
  }

  function renderAttachments(incident) {
    const list = (Array.isArray(incident.attachments) ? incident.attachments : []).filter((a) => a && typeof a.sha256 === 'string');
    if (list.length === 0) return null;
    const node = section('Tệp đính kèm', 'detail-attachments');
    const ul = el('ul', 'attachments');
    for (const a of list) {
      const li = el('li', 'attachment');
      li.dataset.testid = 'attachment';
      // a download from intake, which checks again that this user may see it; never opened here
      const link = el('a', 'attachment-name', str(a.filename));
      if (auth.intakeUrl) link.href = `${auth.intakeUrl}/api/v1/reports/${encodeURIComponent(incident.id)}/attachments/${encodeURIComponent(a.sha256)}`;
      link.rel = 'noopener noreferrer';
      li.append(link, el('span', 'muted', ` · ${ATTACHMENT_KIND_LABELS[a.kind] || str(a.kind)} · ${formatSize(a.size)} · TLP:${str(a.tlp)}`));
      if (a.malware) {
        const warn = el('span', 'malware-warning', ' ⚠ Mẫu mã độc: chỉ mở trong môi trường cách ly');
        warn.dataset.testid = 'attachment-malware';
        li.append(warn);
      }
      ul.append(li);
    }
    node.append(ul);
    return node;
  }

  function renderDetail(resetScroll) {
    const incident = selectedId ? incidents.get(selectedId) : null;
    if (!incident) return;
    const scrollTop = dom.detailBody.scrollTop;

    dom.detail.dataset.incidentId = incident.id;
    dom.detail.dataset.state = str(incident.state);
    dom.detailTitle.textContent = str(incident.title) || '(không có tiêu đề)';

    const badges = el('div', 'detail-badges');
    badges.append(
      stateBadge(incident.state, 'detail-state'),
      tlpBadge(incident.tlp, 'detail-tlp'),
      portalBadge(incident.portalStatus, 'detail-portal-status'),
    );

    const meta = el('dl', 'detail-meta');
    const p = provinceOf(incident);
    const provinceNode = el('span', null, p.name || '—');
    if (p.filedAs && p.filedAs !== p.name) provinceNode.append(' ', el('span', 'filed-as', `(nộp theo: ${p.filedAs})`));
    if (p.code) provinceNode.append(' ', el('span', 'muted', `· mã ${p.code}${p.formerCode ? `, mã cũ ${p.formerCode}` : ''}`));
    metaRow(meta, 'Tỉnh/thành', provinceNode);
    metaRow(meta, 'Đơn vị báo cáo', orgName(incident));
    metaRow(meta, 'Phát hiện', timeElement(incident.detectedAt, 'detail-detected', true));
    metaRow(meta, 'Tiếp nhận', timeElement(incident.reportedAt, 'detail-reported', true));
    metaRow(meta, 'Cập nhật', timeElement(incident.updatedAt, 'detail-updated', true));
    const idNode = el('code', 'mono', incident.id);
    metaRow(meta, 'Mã sự cố', idNode);
    const c = incident.classification && typeof incident.classification === 'object' ? incident.classification : null;
    if (c) {
      const cls = el('span', 'classification', `${SEVERITY_LABELS[c.severity] || str(c.severity)} · ${str(c.priority)} · ${str(c.category)} (ENISA: ${str(c.rsitClass)})`);
      cls.dataset.testid = 'detail-classification';
      metaRow(meta, 'Phân loại', cls);
    }

    const description = section('Mô tả');
    const text = el('p', 'description', str(incident.description) || '—');
    text.dataset.testid = 'detail-description';
    description.append(text);

    const reasons = section('Lý do phân công', 'detail-routing');
    const reasonList = Array.isArray(incident.routingReasons) ? incident.routingReasons : [];
    if (reasonList.length === 0) reasons.append(el('p', 'muted', 'Không có.'));
    else {
      const ul = el('ul', 'reasons');
      for (const reason of reasonList) {
        const li = el('li', null, reason);
        li.dataset.testid = 'routing-reason';
        ul.append(li);
      }
      reasons.append(ul);
    }

    if (incident.needsCoordinator) {
      const alert = el('div', 'needs-coordinator-banner', '⚠ Không tìm được doanh nghiệp phù hợp — cơ quan điều phối cần chỉ định.');
      alert.dataset.testid = 'detail-needs-coordinator';
      alert.setAttribute('role', 'alert');
      badges.append(alert);
    }
    const filed = [renderReportForm(incident), renderFollowUps(incident), renderAttachments(incident)].filter(Boolean);
    dom.detailBody.replaceChildren(badges, meta, description, ...filed, renderAssignees(incident), reasons, renderTimeline(incident));
    dom.detailBody.scrollTop = resetScroll ? 0 : scrollTop;
  }

  // ---------------------------------------------------------------------------------------------
  // Acknowledge
  // ---------------------------------------------------------------------------------------------

  function errorMessage(status, body) {
    const parts = [];
    const code = body && typeof body === 'object' ? str(body.error) : '';
    const label = ERROR_LABELS[code] || (status === 429 ? ERROR_LABELS.rate_limited : '');
    parts.push(label || (code ? `Lỗi ${status} (${code})` : `Lỗi ${status}`));
    if (body && body.message) parts.push(str(body.message));
    if (body && Array.isArray(body.problems)) {
      const problems = body.problems
        .map((pr) => (pr && typeof pr === 'object' ? str(pr.message || pr.rule || pr.field) : str(pr)))
        .filter(Boolean);
      if (problems.length) parts.push(problems.join('; '));
    }
    return parts.join(' — ');
  }

  function rerenderIfOpen(incidentId) {
    if (selectedId === incidentId) renderDetail(false);
  }

  async function acknowledge(incidentId, assigneeId) {
    if (!mayAcknowledge(assigneeId)) return;
    const key = ackKey(incidentId, assigneeId);
    if (pendingAcks.has(key)) return;
    const epoch = authEpoch;
    pendingAcks.set(key, 'sending');
    rerenderIfOpen(incidentId);

    let result;
    try {
      result = await authedRequest('POST', `/api/v1/incidents/${encodeURIComponent(incidentId)}/acknowledge`, { assigneeId });
    } catch (err) {
      result = null;
    }
    if (epoch !== authEpoch) return; // signed out meanwhile: nothing left to update

    if (!result) {
      pendingAcks.delete(key);
      rerenderIfOpen(incidentId);
      showToast('Không gửi được xác nhận: không kết nối được tới máy chủ.', 'error');
      return;
    }

    if (result.status === 401) {
      sessionEnded();
      return;
    }

    if (result.response && result.response.ok) {
      // the acknowledgement itself arrives over the WebSocket; until then the button stays disabled
      const incident = incidents.get(incidentId);
      const done = incident && assigneeList(incident).some((a) => str(a.id) === assigneeId && a.acknowledgedAt);
      if (done) pendingAcks.delete(key);
      else {
        pendingAcks.set(key, 'sent');
        setTimeout(() => {
          if (pendingAcks.get(key) === 'sent') {
            pendingAcks.delete(key);
            rerenderIfOpen(incidentId);
          }
        }, ACK_SENT_TIMEOUT_MS);
      }
      rerenderIfOpen(incidentId);
      return;
    }

    pendingAcks.delete(key);
    rerenderIfOpen(incidentId);
    showToast('Không xác nhận được: ' + errorMessage(result.status, result.body), 'error');
  }

  /** An enterprise accepts or declines the incident offered to it; the result arrives over the feed. */
  async function answerOffer(incidentId, assigneeId, action, button) {
    let body = {};
    if (action === 'decline') {
      const reason = window.prompt('Lý do từ chối:');
      if (reason === null) return;
      body = { reason };
    }
    button.disabled = true;
    let response;
    try {
      response = await fetch(
        `/api/v1/incidents/${encodeURIComponent(incidentId)}/assignments/${encodeURIComponent(assigneeId)}/${action}`,
        { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, credentials: 'same-origin', body: JSON.stringify(body) },
      );
    } catch (err) {
      button.disabled = false;
      showToast('Không gửi được trả lời: không kết nối được tới máy chủ.', 'error');
      return;
    }
    if (response.ok) return;
    button.disabled = false;
    let problem = null;
    try {
      problem = await response.json();
    } catch (err) {
      problem = null;
    }
    showToast('Không gửi được trả lời: ' + errorMessage(response.status, problem), 'error');
  }

  // ---------------------------------------------------------------------------------------------
  // Toast (one at a time)
  // ---------------------------------------------------------------------------------------------

  let toastTimer = null;

  function showToast(message, kind) {
    clearTimeout(toastTimer);
    const toast = el('div', 'toast toast-' + (kind || 'info'));
    toast.dataset.testid = 'toast';
    toast.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    const text = el('span', 'toast-text', message);
    const close = el('button', 'toast-close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Đóng thông báo');
    close.addEventListener('click', () => dismissToast());
    toast.append(text, close);
    dom.toasts.replaceChildren(toast);
    toastTimer = setTimeout(dismissToast, TOAST_MS);
  }

  function dismissToast() {
    clearTimeout(toastTimer);
    toastTimer = null;
    dom.toasts.replaceChildren();
  }

  // ---------------------------------------------------------------------------------------------
  // Live feed
  // ---------------------------------------------------------------------------------------------

  let socket = null;
  let backoff = BACKOFF_MIN_MS;
  let reconnectTimer = null;
  let verifyingSession = false;

  function setConnection(status) {
    dom.conn.dataset.status = status;
    dom.connText.textContent = CONN_TEXT[status];
  }

  function feedUrl() {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/feed`;
  }

  function connect() {
    reconnectTimer = null;
    if (auth.state !== 'signed_in' || socket) return; // the feed needs a session
    let ws;
    try {
      ws = new WebSocket(feedUrl());
    } catch (err) {
      setConnection('offline');
      scheduleReconnect();
      return;
    }
    socket = ws;
    if (dom.conn.dataset.status !== 'offline') setConnection('connecting');

    // changes that reach this connection before its snapshot are replayed on top of it
    let beforeSnapshot = [];
    // a connection that never opened may have been refused for want of a session
    let opened = false;

    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      opened = true;
      setConnection('online');
    });

    ws.addEventListener('message', (event) => {
      if (socket !== ws) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (!message || typeof message !== 'object') return;
      if (message.type === 'snapshot') {
        if (!Array.isArray(message.incidents)) return;
        applySnapshot(message.incidents);
        backoff = BACKOFF_MIN_MS;
        const replay = beforeSnapshot || [];
        beforeSnapshot = null;
        for (const change of replay) applyChange(change, true);
      } else if (message.type === 'change') {
        if (beforeSnapshot) beforeSnapshot.push(message.change);
        applyChange(message.change, false);
      }
      // other message types: ignored
    });

    ws.addEventListener('error', () => {
      if (socket !== ws) return;
      setConnection('offline');
    });

    ws.addEventListener('close', (event) => {
      if (socket !== ws) return;
      socket = null;
      if (event.code === CLOSE_SESSION_ENDED) {
        sessionEnded();
        return;
      }
      setConnection('offline');
      if (opened) scheduleReconnect();
      else verifySessionThenReconnect();
    });
  }

  /**
   * The browser does not say why an upgrade failed: ask whether the session is still valid. If it
   * is not, back to the sign-in card; otherwise (server down, rate limit, …) the usual backoff.
   */
  async function verifySessionThenReconnect() {
    if (verifyingSession) return;
    verifyingSession = true;
    const epoch = authEpoch;
    let outcome;
    try {
      outcome = await refreshIdentity();
    } finally {
      verifyingSession = false;
    }
    if (epoch !== authEpoch || auth.state !== 'signed_in') return;
    if (outcome === 'unauthenticated') sessionEnded();
    else scheduleReconnect();
  }

  function stopFeed() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    const ws = socket;
    socket = null; // its handlers now ignore it
    if (ws) {
      try {
        ws.close(1000, 'signed out');
      } catch (err) {
        // already closing
      }
    }
    backoff = BACKOFF_MIN_MS;
    setConnection('connecting');
  }

  function scheduleReconnect() {
    if (reconnectTimer || auth.state !== 'signed_in') return;
    const delay = backoff;
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    reconnectTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (auth.state !== 'signed_in' || socket || !reconnectTimer) return;
    clearTimeout(reconnectTimer);
    connect();
  }

  // ---------------------------------------------------------------------------------------------
  // Session: requests, sign-in, sign-out
  // ---------------------------------------------------------------------------------------------

  function readCookie(name) {
    for (const part of document.cookie ? document.cookie.split(';') : []) {
      const index = part.indexOf('=');
      if (index < 0) continue;
      if (part.slice(0, index).trim() !== name) continue;
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch (err) {
        return part.slice(index + 1).trim();
      }
    }
    return '';
  }

  function csrfToken() {
    return auth.csrf || readCookie(CSRF_COOKIE);
  }

  /**
   * One JSON request to the server, with the session cookie; every non-GET carries the CSRF token.
   * Resolves to { response, status, body }; rejects only when the server cannot be reached.
   */
  async function api(method, path, payload) {
    const headers = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD') {
      const token = csrfToken();
      if (token) headers['X-CSRF-Token'] = token;
    }
    const response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
    });
    let body = null;
    if (response.status !== 204) {
      try {
        body = await response.json();
      } catch (err) {
        body = null;
      }
    }
    return { response, status: response.status, body };
  }

  /** A write for the signed-in user: if the CSRF token was stale, fetch the current one and retry once. */
  async function authedRequest(method, path, payload) {
    const result = await api(method, path, payload);
    if (result.status !== 403 || !result.body || result.body.error !== 'csrf_failed') return result;
    const outcome = await refreshIdentity();
    if (outcome === 'unauthenticated') return { response: null, status: 401, body: { error: 'unauthenticated' } };
    if (outcome !== 'ok') return result;
    return api(method, path, payload); // refused before anything was done, so safe to repeat
  }

  function isSignedInProfile(body) {
    const actor = body && typeof body === 'object' ? body.actor : null;
    return (
      !!actor &&
      typeof actor === 'object' &&
      typeof actor.id === 'string' &&
      actor.id.length > 0 &&
      !(actor.id === 'anonymous' && actor.authenticatedBy === 'none')
    );
  }

  function rolesOf() {
    if (auth.actor && Array.isArray(auth.actor.roles)) return auth.actor.roles;
    if (auth.user && Array.isArray(auth.user.roles)) return auth.user.roles;
    return [];
  }

  function hasRole(role) {
    return rolesOf().includes(role);
  }

  /** Same rule as the server: one's own assignee ids, or any assignee for a national coordinator. */
  function mayAcknowledge(assigneeId) {
    if (auth.state !== 'signed_in' || !auth.actor || !assigneeId) return false;
    if (hasRole('national_coordinator')) return true;
    return Array.isArray(auth.actor.assigneeIds) && auth.actor.assigneeIds.includes(assigneeId);
  }

  function setIdentity(me, csrf) {
    auth.actor = me.actor;
    auth.user = me.user && typeof me.user === 'object' ? me.user : auth.user;
    auth.csrf = str(me.csrfToken) || str(csrf) || auth.csrf || readCookie(CSRF_COOKIE);
    auth.intakeUrl = str(me.links && me.links.intake).replace(/\/$/, '') || auth.intakeUrl;
  }

  function renderIdentity() {
    const actor = auth.actor || {};
    const user = auth.user || {};
    const roles = rolesOf();
    const name = str(user.name || actor.name || user.username || actor.id);
    const roleText = roles.map((r) => USER_ROLE_LABELS[r] || str(r)).join(', ');

    const nameNode = el('span', 'user-name', name);
    nameNode.dataset.testid = 'current-user-name';
    const rolesNode = el('span', 'user-roles', roleText || 'Chưa có vai trò');
    rolesNode.dataset.testid = 'current-user-roles';
    dom.currentUser.replaceChildren(nameNode, ' · ', rolesNode);
    dom.currentUser.dataset.roles = roles.join(' ');
    dom.currentUser.title = user.username ? `${name} (${str(user.username)})` : name;

    const nationwide = NATIONWIDE_ROLES.some((r) => roles.includes(r));
    dom.title.textContent = `${TITLE_BASE} — ${nationwide ? TITLE_NATIONWIDE : TITLE_SCOPED}`;
    dom.title.dataset.scope = nationwide ? 'nationwide' : 'scoped';
  }

  /**
   * Asks the server who is signed in and updates the header and the detail panel.
   * Resolves to 'ok' | 'unauthenticated' | 'error' | 'stale' (the session changed meanwhile).
   */
  async function refreshIdentity() {
    const epoch = authEpoch;
    let result;
    try {
      result = await api('GET', '/api/v1/auth/me');
    } catch (err) {
      return 'error';
    }
    if (epoch !== authEpoch) return 'stale';
    if (result.status === 401) return 'unauthenticated';
    if (result.status !== 200 || !isSignedInProfile(result.body)) return 'error';
    if (auth.state === 'signed_in') {
      setIdentity(result.body);
      renderIdentity();
      if (selectedId) renderDetail(false);
    }
    return 'ok';
  }

  function showBoard(visible) {
    dom.counters.hidden = !visible;
    dom.conn.hidden = !visible;
    dom.session.hidden = !visible;
    dom.filters.hidden = !visible;
    dom.content.hidden = !visible;
    dom.loginScreen.hidden = visible;
  }

  /** Empties the list, the counters and the detail panel (nothing of a session stays on screen). */
  function clearBoard() {
    closeDetail();
    incidents.clear();
    rows.clear();
    searchKeys.clear();
    provinceNames.clear();
    pendingAcks.clear();
    dom.list.replaceChildren();
    loaded = false;
    visibleCount = 0;
    filters.province = '';
    filters.tlp = '';
    filters.terms = [];
    dom.tlp.value = '';
    dom.search.value = '';
    clearTimeout(searchTimer);
    refreshAggregates();
  }

  function signedIn(me, csrf) {
    authEpoch += 1;
    clearTimeout(sessionCheckTimer);
    sessionCheckTimer = null;
    auth = { state: 'signed_in', actor: null, user: null, csrf: '' };
    setIdentity(me, csrf);
    renderIdentity();
    resetLoginForm(false);
    setLoginError('');
    showBoard(true);
    loaded = false;
    updateListStatus();
    backoff = BACKOFF_MIN_MS;
    setConnection('connecting');
    connect();
  }

  /** Back to the sign-in card; `message` goes to its error line, `username` pre-fills it. */
  function signedOut(message, username) {
    authEpoch += 1;
    auth = { state: 'signed_out', actor: null, user: null, csrf: '' };
    stopFeed();
    clearBoard();
    dismissToast();
    dom.currentUser.replaceChildren();
    dom.currentUser.removeAttribute('data-roles');
    dom.currentUser.removeAttribute('title');
    dom.title.textContent = TITLE_BASE;
    dom.title.removeAttribute('data-scope');
    resetLoginForm(true);
    dom.loginUsername.value = str(username);
    setLoginError(message || '');
    showBoard(false);
    (dom.loginUsername.value ? dom.loginPassword : dom.loginUsername).focus();
  }

  /** The session ended on the server (expired, signed out elsewhere, account disabled). */
  function sessionEnded() {
    if (auth.state !== 'signed_in') return;
    signedOut(LOGIN_TEXT.sessionEnded, auth.user && auth.user.username);
  }

  // ----- the sign-in card

  let loginInFlight = false;
  /** The username the server asked a second factor for. */
  let totpForUsername = null;
  let sessionCheckTimer = null;
  let sessionCheckDelay = SESSION_CHECK_MIN_MS;

  function setLoginError(message) {
    dom.loginError.textContent = str(message);
    dom.loginError.hidden = !message;
  }

  function setLoginBusy(busy) {
    loginInFlight = busy;
    dom.loginSubmit.disabled = busy;
    dom.loginSubmit.textContent = busy ? LOGIN_TEXT.busy : LOGIN_TEXT.submit;
    if (busy) dom.loginForm.setAttribute('aria-busy', 'true');
    else dom.loginForm.removeAttribute('aria-busy');
  }

  function showTotp(visible) {
    dom.loginTotpField.hidden = !visible;
    dom.loginTotp.disabled = !visible;
    dom.loginTotp.required = visible;
    if (!visible) dom.loginTotp.value = '';
  }

  function resetLoginForm(clearUsername) {
    if (clearUsername) dom.loginUsername.value = '';
    dom.loginPassword.value = '';
    showTotp(false);
    totpForUsername = null;
    setLoginBusy(false);
  }

  function folded(username) {
    return str(username).trim().toLowerCase();
  }

  function retryAfterMinutes(response) {
    const header = response && response.headers ? response.headers.get('retry-after') : null;
    if (!header) return 0;
    let seconds = Number(header);
    if (!Number.isFinite(seconds)) {
      const at = Date.parse(header);
      seconds = Number.isNaN(at) ? 0 : (at - Date.now()) / 1000;
    }
    return seconds > 0 ? Math.max(1, Math.ceil(seconds / 60)) : 0;
  }

  /** A user built from the sign-in answer, should `/auth/me` not answer right after it. */
  function profileFromLogin(body) {
    const user = body && typeof body === 'object' && body.user && typeof body.user === 'object' ? body.user : null;
    if (!user || typeof user.id !== 'string' || !user.id) return null;
    return {
      actor: {
        kind: 'user',
        id: user.id,
        name: user.name,
        organisationId: user.organisationId,
        roles: Array.isArray(user.roles) ? user.roles : [],
        provinceCodes: Array.isArray(user.provinceCodes) ? user.provinceCodes : [],
        assigneeIds: Array.isArray(user.assigneeIds) ? user.assigneeIds : [],
      },
      user,
      csrfToken: body.csrfToken,
    };
  }

  async function submitLogin() {
    if (loginInFlight || auth.state === 'signed_in') return;
    const username = dom.loginUsername.value.trim();
    const password = dom.loginPassword.value;
    const withTotp = !dom.loginTotpField.hidden;
    const totp = dom.loginTotp.value.replace(/\s+/g, '');

    if (!username || !password) {
      setLoginError(LOGIN_TEXT.missing);
      (username ? dom.loginPassword : dom.loginUsername).focus();
      return;
    }
    if (withTotp && !/^\d{6}$/.test(totp)) {
      setLoginError(withTotp && !totp ? LOGIN_TEXT.totpRequired : LOGIN_TEXT.totpFormat);
      dom.loginTotp.focus();
      return;
    }

    clearTimeout(sessionCheckTimer);
    sessionCheckTimer = null;
    setLoginBusy(true);
    setLoginError('');
    const payload = withTotp ? { username, password, totp } : { username, password };

    let result;
    try {
      result = await api('POST', '/api/v1/auth/login', payload);
    } catch (err) {
      result = null;
    }
    if (auth.state === 'signed_in') return; // signed in meanwhile (another check answered first)

    if (!result) {
      setLoginBusy(false);
      setLoginError(LOGIN_TEXT.network);
      return;
    }

    if (result.response.ok) {
      const csrf = result.body && result.body.csrfToken;
      auth.csrf = str(csrf);
      // who am I, with my scope (provinces, assignee ids)
      let me = null;
      try {
        me = await api('GET', '/api/v1/auth/me');
      } catch (err) {
        me = null;
      }
      if (auth.state === 'signed_in') return;
      const profile = me && me.status === 200 && isSignedInProfile(me.body) ? me.body : profileFromLogin(result.body);
      if (!profile) {
        setLoginBusy(false);
        setLoginError(LOGIN_TEXT.noProfile);
        return;
      }
      signedIn(profile, csrf);
      return;
    }

    setLoginBusy(false);
    const code = result.body && typeof result.body === 'object' ? str(result.body.error) : '';
    if (result.status === 401 && code === 'totp_required') {
      totpForUsername = folded(username);
      showTotp(true);
      setLoginError(LOGIN_TEXT.totpRequired);
      dom.loginTotp.focus();
    } else if (result.status === 401) {
      setLoginError(LOGIN_TEXT.invalid);
      if (withTotp) dom.loginTotp.value = ''; // a code is good once
      dom.loginPassword.focus();
      dom.loginPassword.select();
    } else if (result.status === 423) {
      setLoginError(LOGIN_TEXT.locked(retryAfterMinutes(result.response)));
    } else if (result.status === 429) {
      setLoginError(LOGIN_TEXT.rateLimited);
    } else if (result.status === 400) {
      const problems = JSON.stringify((result.body && result.body.problems) || []);
      setLoginError(withTotp && problems.indexOf('totp') !== -1 ? LOGIN_TEXT.totpFormat : LOGIN_TEXT.badRequest);
    } else {
      setLoginError(LOGIN_TEXT.failed(result.status));
    }
  }

  /**
   * On page load: is there a session already? If the server cannot be asked, show the sign-in
   * card and keep asking in the background (a wall display recovers by itself after an outage).
   */
  async function checkSession() {
    sessionCheckTimer = null;
    if (auth.state === 'signed_in' || loginInFlight) return;
    const epoch = authEpoch;
    let result;
    try {
      result = await api('GET', '/api/v1/auth/me');
    } catch (err) {
      result = null;
    }
    if (epoch !== authEpoch || auth.state === 'signed_in' || loginInFlight) return;
    if (result && result.status === 200 && isSignedInProfile(result.body)) {
      signedIn(result.body);
      return;
    }
    const firstAnswer = auth.state === 'checking';
    if (firstAnswer) {
      auth.state = 'signed_out';
      showBoard(false);
      resetLoginForm(false);
      dom.loginUsername.focus();
    }
    if (result && result.status === 401) {
      sessionCheckDelay = SESSION_CHECK_MIN_MS;
      if (dom.loginError.textContent === LOGIN_TEXT.checkFailed) setLoginError('');
      return;
    }
    // no answer (or an error): say so, and try again later
    if (firstAnswer || !dom.loginError.textContent) setLoginError(LOGIN_TEXT.checkFailed);
    sessionCheckTimer = setTimeout(checkSession, sessionCheckDelay);
    sessionCheckDelay = Math.min(sessionCheckDelay * 2, SESSION_CHECK_MAX_MS);
  }

  async function logout() {
    if (auth.state !== 'signed_in' || dom.logout.disabled) return;
    const epoch = authEpoch;
    dom.logout.disabled = true;
    let result;
    try {
      result = await authedRequest('POST', '/api/v1/auth/logout');
    } catch (err) {
      result = null;
    }
    dom.logout.disabled = false;
    if (epoch !== authEpoch) return;
    if (result && (result.status === 401 || (result.response && result.response.ok))) {
      signedOut('', '');
      return;
    }
    showToast(
      'Không đăng xuất được: ' + (result ? errorMessage(result.status, result.body) : 'không kết nối được tới máy chủ.'),
      'error',
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Events
  // ---------------------------------------------------------------------------------------------

  function rowFromEvent(event) {
    const row = event.target.closest ? event.target.closest('tr[data-incident-id]') : null;
    return row && dom.list.contains(row) ? row : null;
  }

  dom.list.addEventListener('click', (event) => {
    const row = rowFromEvent(event);
    if (!row) return;
    const selection = window.getSelection ? window.getSelection() : null;
    if (selection && !selection.isCollapsed && row.contains(selection.anchorNode)) return; // selecting text
    openDetail(row.dataset.incidentId, false);
  });

  dom.list.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const row = rowFromEvent(event);
    if (!row || event.target !== row) return;
    event.preventDefault();
    openDetail(row.dataset.incidentId, true);
  });

  dom.detailClose.addEventListener('click', () => closeDetail());

  function clearFlash(event) {
    if (event.animationName.indexOf('flash') === -1) return;
    const target = event.target.closest ? event.target.closest('.flash, .flash-alt') : null;
    if (target) target.classList.remove('flash', 'flash-alt');
  }
  dom.list.addEventListener('animationend', clearFlash);
  dom.detail.addEventListener('animationend', clearFlash);

  dom.detailBody.addEventListener('click', (event) => {
    const answer = event.target.closest ? event.target.closest('button[data-action="accept"], button[data-action="decline"]') : null;
    if (answer && !answer.disabled && selectedId) {
      answerOffer(selectedId, answer.dataset.assigneeId || '', answer.dataset.action, answer);
      return;
    }
    const button = event.target.closest ? event.target.closest('button[data-action="acknowledge"]') : null;
    if (!button || button.disabled || !selectedId || auth.state !== 'signed_in') return;
    acknowledge(selectedId, button.dataset.assigneeId || '');
  });

  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !dom.detail.hidden) {
      event.preventDefault();
      closeDetail();
    }
  });

  dom.province.addEventListener('change', () => {
    filters.province = dom.province.value;
    applyFiltersToAll();
    updateProvinceOptions();
  });

  dom.tlp.addEventListener('change', () => {
    filters.tlp = dom.tlp.value;
    applyFiltersToAll();
  });

  let searchTimer = null;
  dom.search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      filters.terms = fold(dom.search.value).split(/\s+/).filter(Boolean);
      applyFiltersToAll();
    }, 120);
  });

  dom.loginForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitLogin();
  });

  // a second factor asked for one account is not asked for another
  dom.loginUsername.addEventListener('input', () => {
    if (totpForUsername !== null && folded(dom.loginUsername.value) !== totpForUsername) {
      totpForUsername = null;
      showTotp(false);
      setLoginError('');
    }
  });

  // digits only in the code field (pasted codes often carry spaces)
  dom.loginTotp.addEventListener('input', () => {
    const digits = dom.loginTotp.value.replace(/\D+/g, '').slice(0, 6);
    if (digits !== dom.loginTotp.value) dom.loginTotp.value = digits;
  });

  dom.logout.addEventListener('click', () => logout());

  // the drawer sits below the sticky header, whose height depends on the window width
  const header = document.querySelector('.topbar');
  if (header && 'ResizeObserver' in window) {
    new ResizeObserver(() => {
      document.documentElement.style.setProperty('--header-height', header.getBoundingClientRect().height + 'px');
    }).observe(header);
  }

  window.addEventListener('online', reconnectNow);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') reconnectNow();
  });

  // form values the browser may have restored (back/forward navigation)
  filters.tlp = dom.tlp.value;
  filters.terms = fold(dom.search.value).split(/\s+/).filter(Boolean);

  updateListStatus();
  checkSession();
})();
