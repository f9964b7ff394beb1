import { paramsFromQuery, queryFromParams, toggle, withFilter } from './fleetQuery';

describe('fleet query in the URL', () => {
  it('round-trips every filter', () => {
    const query = queryFromParams(
      new URLSearchParams('cluster=a&cluster=b&namespace=test&phase=Failed&needsAttention=true&search=pod&sort=updated&order=desc&offset=50&limit=50'),
    );
    expect(query).toEqual({
      cluster: ['a', 'b'], namespace: ['test'], phase: ['Failed'], needsAttention: true, search: 'pod',
      sort: 'updated', order: 'desc', offset: 50, limit: 50,
    });
    expect(queryFromParams(paramsFromQuery(query))).toEqual(query);
  });

  it('drops what the backend would reject', () => {
    const query = queryFromParams(new URLSearchParams('phase=Exploded&sort=random&limit=7&offset=-4&needsAttention=yes'));
    expect(query).toMatchObject({ phase: [], sort: 'name', limit: 25, offset: 0, needsAttention: undefined });
  });

  it('leaves defaults out of the URL', () => {
    expect(paramsFromQuery(queryFromParams(new URLSearchParams())).toString()).toBe('');
  });

  it('goes back to the first page when a filter changes', () => {
    expect(withFilter({ offset: 50, limit: 25 }, { needsAttention: true })).toEqual({ offset: 0, limit: 25, needsAttention: true });
  });

  it('toggles list items', () => {
    expect(toggle(['a'], 'b')).toEqual(['a', 'b']);
    expect(toggle(['a', 'b'], 'a')).toEqual(['b']);
    expect(toggle(undefined, 'a')).toEqual(['a']);
  });
});
