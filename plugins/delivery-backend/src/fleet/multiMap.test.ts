import { StringMultiMap } from './multiMap';

describe('StringMultiMap', () => {
  it('keeps each value once per key, in the order added', () => {
    const m = new StringMultiMap();
    m.add('t', 'a');
    m.add('t', 'a');
    expect(m.get('t')).toEqual(['a']);
    m.add('t', 'b');
    m.add('t', 'c');
    m.add('t', 'b');
    expect(m.get('t')).toEqual(['a', 'b', 'c']);
    expect(m.get('other')).toEqual([]);
  });

  it('drops a key with its last value, from one value or several', () => {
    const m = new StringMultiMap();
    m.add('t', 'a');
    m.add('t', 'b');
    m.remove('t', 'a');
    expect(m.get('t')).toEqual(['b']);
    m.add('t', 'c');
    m.remove('t', 'x');
    expect(m.get('t')).toEqual(['b', 'c']);
    m.remove('t', 'b');
    m.remove('t', 'c');
    expect(m.get('t')).toEqual([]);
    expect(m.size).toBe(0);
    m.add('u', 'a');
    m.remove('u', 'b');
    expect(m.get('u')).toEqual(['a']);
  });
});
