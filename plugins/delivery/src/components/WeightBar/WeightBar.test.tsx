import { segmentLabel } from './WeightBar';

describe('segmentLabel', () => {
  it.each([
    ['primary', 80, 'primary 80%'],
    ['canary', 40, 'canary 40%'],
    ['canary', 30, '30%'],
    ['canary', 20, '20%'],
    ['canary', 10, undefined],
  ] as const)('%s at %i%% reads %j', (role, share, label) => expect(segmentLabel(role, share)).toBe(label));
});
