// How a job's verification reads on a terminal: one summary line, then where each finding is.
// Shared by `lethe verify`, `lethe status <jobId>` and the demo's report.
import type { Verification, VerificationFinding } from '../lib/model/verification.js';
import { formatNumber } from './progress.js';

/** One line: clean or how many findings, what was legitimately kept, when. */
export function verificationLine(verification: Verification | undefined): string {
  if (verification === undefined) return 'verification: not verified yet';
  const { findings, kept } = verification;
  const outcome =
    findings === 0
      ? 'nothing left that the job should have erased'
      : `${formatNumber(findings)} FINDING${findings === 1 ? '' : 'S'}: left behind that the job should have erased`;
  const keptParts = [
    kept.shared > 0 ? `${formatNumber(kept.shared)} shared still referenced` : '',
    kept.ttl > 0 ? `${formatNumber(kept.ttl)} left to TTL` : '',
    kept.held > 0 ? `${formatNumber(kept.held)} held` : '',
    kept.blocked > 0 ? `${formatNumber(kept.blocked)} kept by restrict` : '',
  ].filter((part) => part !== '');
  return `verification (${verification.trigger}, ${verification.verifiedAt}): ${outcome}${keptParts.length > 0 ? `; kept: ${keptParts.join(', ')}` : ''}`;
}

/** Where one finding is: the table and key, or the bucket and key, and how it was reached. */
export function findingLine(finding: VerificationFinding): string {
  const where =
    finding.kind === 'object'
      ? `object  s3://${finding.bucket}/${finding.key}`
      : `${finding.kind === 'nulled' ? `row (${finding.attribute ?? 'parent'} not nulled)` : 'row'}  ${finding.table} ${JSON.stringify(finding.key)}`;
  return `${where}  via ${finding.relation}  from ${finding.path}`;
}

/** The summary line and up to every kept finding, indented. */
export function formatVerification(verification: Verification | undefined, indent = ''): string {
  const lines = [`${indent}${verificationLine(verification)}`];
  if (verification) {
    for (const finding of verification.items) lines.push(`${indent}  ${findingLine(finding)}`);
    if (verification.truncated)
      lines.push(
        `${indent}  … and ${formatNumber(verification.findings - verification.items.length)} more`,
      );
  }
  return lines.join('\n');
}
