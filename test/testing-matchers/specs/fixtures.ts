// What the specs of both runners check: a delivery report and DKIM results, as a user's test has them.
import { type DeliveryReport, parseDeliveryReport } from '@mailroute/testing';

/** A DSN: one recipient failed 5.1.1, one delayed 4.4.1. */
export function failureReport(): Promise<DeliveryReport> {
  return parseDeliveryReport(
    [
      'From: postmaster@mx.acme.example',
      'Subject: Delivery Status Notification (Failure)',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'One recipient failed.',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.acme.example',
      '',
      'Final-Recipient: rfc822; gone@acme.example',
      'Action: failed',
      'Status: 5.1.1',
      '',
      'Final-Recipient: rfc822; slow@acme.example',
      'Action: delayed',
      'Status: 4.4.1',
      '--b--',
      '',
    ].join('\r\n'),
  );
}

/** A verifier's results: one good signature of acme.example, one broken of other.example. */
export const dkimResults = [
  { result: 'pass' as const, domain: 'acme.example', selector: 's1' },
  { result: 'fail' as const, domain: 'other.example', selector: 'x', reason: 'body hash did not verify' },
];
