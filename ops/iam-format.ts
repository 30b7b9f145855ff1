/** `inspect --iam`'s table as a person reads it. */
import type { IamReport } from './iam-table';

/** The table as a person reads it, one row per needed permission. */
export function formatIamReport(report: IamReport): string {
  const header = ['role', 'used by', 'action', 'resource', 'granted', 'needed by'];
  const rows = report.rows.map((r) => [
    r.role,
    r.principal,
    r.action,
    r.resource,
    r.granted ? (r.broad ? `yes (broad: ${r.broad})` : 'yes') : `NO (${r.denial ?? 'denied'})`,
    r.neededBy.join(', '),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    `IAM, needed vs granted: ${report.target}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    report.missing === 0
      ? `All ${report.rows.length} needed permissions are granted.`
      : `${report.missing} of ${report.rows.length} needed permissions are NOT granted.`,
    ...formatExcess(report),
  ].join('\n');
}

/** The grants nothing needs, one line each, and their count. */
function formatExcess(report: IamReport): string[] {
  if (report.excess.length === 0) return ['No permission is granted that nothing needs.'];
  const width = Math.max(...report.excess.map((e) => e.role.length));
  return [
    '',
    'Granted but not needed (role, action, resource, policy):',
    ...report.excess.map(
      (e) => `${e.role.padEnd(width)}  ${e.action}  ${e.resource}  (${e.policy})`,
    ),
    '',
    `${report.excess.length} granted permission${report.excess.length === 1 ? ' is' : 's are'} needed by nothing.`,
  ];
}
