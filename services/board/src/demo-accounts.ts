import { IdentityStore, loadDirectoryFiles, type Role } from '@ucsc/shared';

/**
 * Demo accounts, one per role, seeded by `npm start`. Fictional people; the password and the TOTP
 * secrets are published here on purpose: they exist only in the demo.
 */
export const demoPassword = 'ucsc-demo-2026';
const demoTotpSecret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

interface DemoAccount {
  username: string;
  name: string;
  organisationId: string;
  roles: Role[];
  provinceCodes?: string[];
  assigneeIds?: string[];
}

export const demoAccounts: DemoAccount[] = [
  { username: 'dieuphoi', name: 'Điều phối viên quốc gia (demo)', organisationId: 'org-national-coordinator', roles: ['national_coordinator'] },
  { username: 'kiemtoan', name: 'Kiểm toán viên (demo)', organisationId: 'org-standing-body', roles: ['auditor'] },
  { username: 'quantri', name: 'Quản trị hệ thống (demo)', organisationId: 'org-standing-body', roles: ['admin'] },
  { username: 'hanoi.dieuphoi', name: 'Sở KH&CN Hà Nội — điều phối (demo)', organisationId: 'org-hub-01', roles: ['province_coordinator'], provinceCodes: ['01'], assigneeIds: ['org-hub-01'] },
  { username: 'hanoi.baocao', name: 'Sở KH&CN Hà Nội — báo cáo (demo)', organisationId: 'org-hub-01', roles: ['submitter'], provinceCodes: ['01'] },
  { username: 'tuyenquang.baocao', name: 'Sở KH&CN Tuyên Quang — báo cáo (demo)', organisationId: 'org-hub-08', roles: ['submitter'], provinceCodes: ['08'] },
  { username: 'lienlac.hanoi', name: 'Cán bộ đầu mối ATTT Hà Nội (demo)', organisationId: 'org-dept-security', roles: ['liaison_officer'], provinceCodes: ['01'], assigneeIds: ['lia-01-sec-officer'] },
  { username: 'saokhue.ungcuu', name: 'Sao Khuê Security — ứng cứu (demo)', organisationId: 'ent-bm-saokhue', roles: ['enterprise_responder'], assigneeIds: ['ent-bm-saokhue'] },
  { username: 'lanhdao.hanoi', name: 'Lãnh đạo đầu mối ATTT Hà Nội (demo)', organisationId: 'org-dept-security', roles: ['liaison_leader'], provinceCodes: ['01'], assigneeIds: ['lia-01-sec-leader'] },
  // files `npm start`'s demo reports, which come from several provinces: a report is filed only within its filer's provinces
  { username: 'tiepnhan.demo', name: 'Cổng tiếp nhận báo cáo mẫu (demo)', organisationId: 'org-demo-gateway', roles: ['submitter'], provinceCodes: loadDirectoryFiles().units.map((u) => u.code) },
];

/** Creates the demo accounts that do not exist yet; returns what a person needs to sign in. */
export async function seedDemoAccounts(store: IdentityStore): Promise<{ username: string; roles: Role[]; totpSecret?: string }[]> {
  const out = [];
  for (const account of demoAccounts) {
    const needsTotp = account.roles.includes('national_coordinator') || account.roles.includes('admin');
    if (!(await store.findByUsername(account.username))) {
      await store.createUser({ ...account, password: demoPassword, ...(needsTotp ? { totpSecret: demoTotpSecret } : {}) });
    }
    out.push({ username: account.username, roles: account.roles, ...(needsTotp ? { totpSecret: demoTotpSecret } : {}) });
  }
  return out;
}
