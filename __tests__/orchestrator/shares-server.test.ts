import { sharesServer } from '../../orchestrator/src/app';

test('state and source share a WAL stream when host and port match', () => {
  expect(sharesServer('postgres://a:x@db.internal:5432/app', 'postgres://b:y@db.internal/other')).toBe(true);
  expect(sharesServer('postgres://a@db.internal:5432/app', 'postgres://a@db.internal:6432/app')).toBe(false);
  expect(sharesServer('postgres://a@db-1/app', 'postgres://a@db-2/app')).toBe(false);
  expect(sharesServer('postgresql:///app?host=/run/pg&port=5433', 'postgresql:///state?host=/run/pg&port=5433')).toBe(true);
});
