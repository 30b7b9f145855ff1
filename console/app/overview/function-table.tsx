/** The overview's table of functions: what each did over the last minutes, from REPORT lines. */
import type { FunctionStats } from '../../api';
import { ColumnHeads } from '../shared';
import { ms } from './format';

/** Per function: invocations, errors, throttles and p50/p99 duration over the last minutes. */
export function FunctionTable({ functions }: { functions: FunctionStats[] }) {
  const window = functions[0]?.windowMinutes ?? 5;
  return (
    <table class="fn-stats" aria-label={`Functions, last ${window} minutes`}>
      <caption>Functions, last {window} minutes (from their REPORT lines)</caption>
      <ColumnHeads names={['Function', 'Invocations', 'Errors', 'Throttles', 'p50', 'p99']} />
      <tbody>
        {functions.map((f) => (
          <tr key={f.key} data-fn={f.key}>
            <th scope="row">{f.key}</th>
            <td class="num" data-stat="invocations">
              {f.invocations}
            </td>
            <td class={f.errors > 0 ? 'num alarm-text' : 'num'} data-stat="errors">
              {f.errors}
            </td>
            <td class="num" data-stat="throttles" title={f.throttlesNote}>
              {f.throttles ?? '—'}
            </td>
            <td class="num" data-stat="p50">
              {ms(f.p50Ms)} ms
            </td>
            <td class="num" data-stat="p99">
              {ms(f.p99Ms)} ms
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
