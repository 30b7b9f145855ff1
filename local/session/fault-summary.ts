/** The faults an endpoint injected, as `npm start` tells them: by service and kind. */

/** `sqs throttle 12, dynamodb server 3`: the faults injected, by service and kind. */
export function describeFaults(counts: Record<string, number>): string {
  const byKind = new Map<string, number>();
  for (const [key, n] of Object.entries(counts)) {
    const [service = '', , kind = ''] = key.split('.');
    byKind.set(`${service} ${kind}`, (byKind.get(`${service} ${kind}`) ?? 0) + n);
  }
  return [...byKind].map(([what, n]) => `${what} ${n}`).join(', ');
}
