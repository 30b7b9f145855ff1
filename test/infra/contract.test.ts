import { beforeAll, describe, expect, it } from 'vitest';
import * as runtime from '../../contract/contract';
import { resourcesOf, type Synthesized, synth } from './synth';

let s: Synthesized;

beforeAll(() => {
  s = synth();
});

describe('the synthesized stack', () => {
  it('has an output for every output key the runtime looks up', () => {
    const outputs = Object.keys(s.template.toJSON().Outputs as Record<string, unknown>);
    expect(outputs).toEqual(expect.arrayContaining(Object.values(runtime.Output)));
  });

  it('sets exactly the environment variables the runtime reads, besides NODE_OPTIONS', () => {
    const names = Object.values(resourcesOf(s.template, 'AWS::Lambda::Function')).flatMap((fn) =>
      Object.keys(
        (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
          .Variables,
      ),
    );
    expect(new Set(names)).toEqual(new Set(['NODE_OPTIONS', ...Object.values(runtime.Env)]));
  });
});
